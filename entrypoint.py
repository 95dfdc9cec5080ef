"""Docker entrypoint of the action: a thin shell over registry_action.shells.action."""

import sys

from registry_action.shells.action import main

if __name__ == "__main__":
    sys.exit(main())
