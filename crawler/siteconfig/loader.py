"""Read `config/sites/*.yaml`: every file, every error, in one run."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from crawler.siteconfig.errors import FILE_KEY, ConfigError, Loc, SiteConfigError
from crawler.siteconfig.fields import SITE_ID_PATTERN
from crawler.siteconfig.messages import clean_loc, describe, key_text
from crawler.siteconfig.models import SiteConfig
from crawler.siteconfig.yamldoc import YamlDocument, YamlSyntaxError, parse_yaml

SITES_FOLDER = "sites"
SITE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The valid sites (by id) and the errors of all files; a file with an error gives no site."""

    sites: tuple[SiteConfig, ...]
    errors: tuple[ConfigError, ...]
    files: tuple[Path, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def site(self, site_id: str) -> SiteConfig:
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(f"no valid site {site_id!r}")

    def summary(self) -> str:
        """`32 sites, 97 columns, 32 enabled`."""
        columns = sum(len(site.columns) for site in self.sites)
        enabled = sum(site.enabled for site in self.sites)
        return f"{_count(len(self.sites), 'site')}, {_count(columns, 'column')}, {enabled} enabled"


@dataclass(slots=True)
class FileOutcome:
    """What one file gave: its site if valid, the id it claims (for duplicates), its errors."""

    path: Path
    site: SiteConfig | None = None
    claimed_id: str | None = None
    id_line: int = 1
    errors: list[ConfigError] = field(default_factory=list)


def site_files(config_dir: Path) -> list[Path]:
    """The site files of a configuration folder, by name."""
    folder = config_dir / SITES_FOLDER
    return sorted(
        path for path in folder.iterdir() if path.suffix in SITE_SUFFIXES and path.is_file()
    )


def load_sites(config_dir: Path) -> LoadResult:
    """Every `config_dir/sites/*.yaml` (and .yml), with the errors of all of them."""
    folder = config_dir / SITES_FOLDER
    if not folder.is_dir():
        error = ConfigError(folder, None, FILE_KEY, "expected a folder of site files (<id>.yaml)")
        return LoadResult((), (error,), ())
    files = site_files(config_dir)
    outcomes = [read_site_file(path) for path in files]
    _flag_duplicate_ids(outcomes)
    sites = sorted(
        (outcome.site for outcome in outcomes if outcome.site and not outcome.errors),
        key=lambda site: site.id,
    )
    errors = [error for outcome in outcomes for error in outcome.errors]
    errors.sort(key=lambda error: (str(error.file), error.line or 0))
    return LoadResult(tuple(sites), tuple(errors), tuple(files))


def load_site(config_dir: Path, site_id: str) -> SiteConfig:
    """The site `site_id` of `config_dir/sites/<site_id>.yaml`; SiteConfigError names the file."""
    folder = config_dir / SITES_FOLDER
    if not SITE_ID_PATTERN.fullmatch(site_id):
        message = f"expected a site id of lower-case letters, digits, '-' or '_', got {site_id!r}"
        raise SiteConfigError([ConfigError(folder, None, "id", message)])
    candidates = [folder / f"{site_id}{suffix}" for suffix in SITE_SUFFIXES]
    found = [path for path in candidates if path.is_file()]
    if not found:
        message = f"no such site file: expected {candidates[0]} for site {site_id!r}"
        raise SiteConfigError([ConfigError(candidates[0], None, FILE_KEY, message)])
    if len(found) > 1:
        message = (
            f"expected one file for site {site_id!r}, found {found[0].name} and {found[1].name}"
        )
        raise SiteConfigError([ConfigError(found[1], None, FILE_KEY, message)])
    outcome = read_site_file(found[0])
    if outcome.errors or outcome.site is None:
        raise SiteConfigError(outcome.errors)
    return outcome.site


def key_line(path: Path, loc: Loc) -> int | None:
    """The 1-based line of `loc` in a site file (of its deepest part the file has); None when
    the file cannot be read as YAML."""
    try:
        return parse_yaml(path.read_bytes().decode("utf-8-sig")).line_of(loc)
    except (OSError, UnicodeDecodeError, YamlSyntaxError):
        return None


def read_site_file(path: Path) -> FileOutcome:
    """Parse and validate one site file, collecting all its errors."""
    outcome = FileOutcome(path)
    document = _read_document(path, outcome)
    if document is None:
        return outcome
    data = document.data
    for loc, line in document.duplicate_keys:
        outcome.errors.append(
            ConfigError(path, line, key_text(loc), "expected each key once; YAML keeps the last")
        )
    if isinstance(data.get("id"), str):
        outcome.claimed_id = data["id"]
        outcome.id_line = document.line_of(("id",))
        if data["id"] != path.stem:
            message = f"expected {path.stem!r} (the file name without {path.suffix})"
            outcome.errors.append(
                ConfigError(path, outcome.id_line, "id", f"{message}, got {data['id']!r}")
            )
    try:
        outcome.site = SiteConfig.model_validate(data)
    except ValidationError as error:
        outcome.errors.extend(_located(error, document, path))
    outcome.errors.sort(key=lambda error: error.line or 0)
    return outcome


def _read_document(path: Path, outcome: FileOutcome) -> YamlDocument | None:
    """The YAML mapping of a file, or None with the reason added to `outcome.errors`."""

    def fail(line: int | None, message: str) -> None:
        outcome.errors.append(ConfigError(path, line, FILE_KEY, message))

    try:
        raw = path.read_bytes()
    except OSError as error:
        fail(None, f"expected a readable file ({error.strerror})")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        fail(raw.count(b"\n", 0, error.start) + 1, "expected UTF-8 text (is it saved as GBK?)")
        return None
    try:
        document = parse_yaml(text)
    except YamlSyntaxError as error:
        fail(error.line, f"expected valid YAML: {error.problem}")
        return None
    if document.data is None:
        fail(
            1,
            "expected the settings of one site (id, name, authority, adapter, columns); "
            "the file is empty",
        )
        return None
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else repr(document.data)
        fail(
            document.line_of(()),
            f"expected a mapping of site settings (key: value lines), got {kind}",
        )
        return None
    return document


def _located(error: ValidationError, document: YamlDocument, path: Path) -> Iterable[ConfigError]:
    for detail in error.errors(include_url=False):
        loc = clean_loc(tuple(detail["loc"]))
        yield ConfigError(
            path, document.line_of(loc), key_text(loc) or FILE_KEY, describe(detail, SiteConfig)
        )


def _flag_duplicate_ids(outcomes: list[FileOutcome]) -> None:
    """An id claimed twice is an error in each file but the one named after it (or the first)."""
    claimed = [outcome for outcome in outcomes if outcome.claimed_id is not None]
    owners: dict[str, FileOutcome] = {}
    for outcome in sorted(claimed, key=lambda o: o.path.stem != o.claimed_id):
        owner = owners.setdefault(str(outcome.claimed_id), outcome)
        if owner is not outcome:
            message = (
                f"expected a unique site id; {outcome.claimed_id!r} is already the id in "
                f"{owner.path}:{owner.id_line}"
            )
            outcome.errors.append(ConfigError(outcome.path, outcome.id_line, "id", message))
            outcome.site = None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
