"""The pure core: the registry's rules, with no I/O, no clock and no environment.

The data types, by the module that holds each:

- `grammar.ModelName`: a model's full name, `[DIR:]NAME` (`DIR=NAME` in a tag).
- `grammar.Event`, `grammar.RegistryTag`: the five events and a parsed registry tag; the
  one tag table both reads (`parse_tag`) and writes (`format_tag`) them.
- `versions.Version`, `versions.Bump`: `v` + SemVer, ordered by precedence; patch, minor,
  major.
- `repository.TagInfo`: a tag as a backend reports it, peeled to its commit.
- `repository.Snapshot`: one read of the repository for one model at one commit.
- `repository.Tagger`: who a tag is made by; `repository.Unreadable`, `FileText`: a file as
  a read returns it.
- `dvc_yaml.Annotation`: what dvc.yaml declares of a model (path, type, desc, labels).
- `model_view.ModelView`: one model's tags read as GTO reads them: versions
  (`RegisteredVersion`), stages (`StageState`), latest, the counter, names taken.
- `gto_order.Record`, `gto_order.GtoVersion`: one event, and GTO's own version object,
  replayed for GTO's tie-breaks.
- `outputs.Facts`: what one registry tag records, read against its model's tags; the one
  source of every step output (`outputs.outputs`).
- `errors.RegistryError`: a refusal: a title, a plain message and a hint template.
"""
