"""The `options` of a site or column: the shared bases, and their validation by the adapter kind.

Each adapter module (``crawler/adapters/<kind>.py``) defines its own options model and names it
as its class's ``Options`` (``TrsAdapter.Options = TrsOptions``). The kinds, the options model of
each and the check of ``adapter:`` all come from the adapters' registry (``Adapter.registry``),
read when a file is validated: the adapters import this package, so it cannot import them first.
Unknown option keys are errors, like everywhere in the YAML.
"""

from __future__ import annotations

from functools import lru_cache, reduce
from operator import or_
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    SerializeAsAny,
    Tag,
    TypeAdapter,
)
from pydantic_core import PydanticKnownError

from crawler.siteconfig.fields import PageTemplate

UNKNOWN_KIND = "unknown"  # the options of a site whose adapter is itself invalid (not checked)


class AdapterOptions(BaseModel):
    """Options common to every adapter (none yet); the base of each kind's options."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PagedOptions(AdapterOptions):
    """Page 2... by URL template: `{page}` is replaced by the page number plus `page_offset`.

    Page 1 is always the column URL. A relative template is resolved against the column URL:
    `index_{page}.html` with `page_offset: -1` gives index_1.html for page 2 (MOE numbering).
    """

    page_url: PageTemplate | None = None
    page_offset: int = Field(default=0, ge=-1, le=10)


def adapter_options() -> dict[str, type[AdapterOptions]]:
    """Kind -> options model of every registered adapter, in the order they registered."""
    from crawler.adapters.base import Adapter  # importing the package registers the families

    return {kind: adapter.Options for kind, adapter in Adapter.registry.items()}


def adapter_kinds() -> tuple[str, ...]:
    """The kinds `adapter:` accepts."""
    return tuple(adapter_options())


def default_options(kind: str) -> AdapterOptions:
    return adapter_options().get(kind, AdapterOptions)()


def _registered_kind(value: Any) -> str:
    """A registered adapter kind, else the error a Literal of the kinds would give."""
    kinds = adapter_kinds()
    if isinstance(value, str) and value in kinds:
        return value
    raise PydanticKnownError("literal_error", {"expected": _choices(kinds)})


def _choices(kinds: tuple[str, ...]) -> str:
    """`'trs', 'hanweb' or 'css'`, as pydantic words a Literal's values."""
    quoted = [repr(kind) for kind in kinds]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


AdapterKind = Annotated[str, PlainValidator(_registered_kind)]


class BoundOptions(dict[str, Any]):
    """The raw `options` mapping of a YAML file, tagged with the adapter kind that validates it."""

    kind: str = UNKNOWN_KIND


def bind_options(raw: Any, kind: str) -> Any:
    """Tag a raw options mapping with its adapter kind (None counts as an empty mapping)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict) or isinstance(raw, BoundOptions):
        return raw
    known = kind in adapter_options()
    bound = BoundOptions(raw if known else {})
    bound.kind = kind if known else UNKNOWN_KIND
    return bound


def _options_kind(value: Any) -> str:
    return value.kind if isinstance(value, BoundOptions) else UNKNOWN_KIND


@lru_cache(maxsize=8)
def _options_validator(
    models: tuple[tuple[str, type[AdapterOptions]], ...],
) -> TypeAdapter[AdapterOptions]:
    """The union of the kinds' options models, chosen by the kind the mapping is bound to; its
    errors carry the kind after `options` in their location (`messages` reads and drops it)."""
    arms = [Annotated[model, Tag(kind)] for kind, model in models]
    arms.append(Annotated[AdapterOptions, Tag(UNKNOWN_KIND)])
    union: Any = Annotated[reduce(or_, arms), Discriminator(_options_kind)]  # built at run time
    return TypeAdapter[AdapterOptions](union)


def _validate_options(value: Any) -> AdapterOptions:
    if isinstance(value, AdapterOptions):
        return value
    return _options_validator(tuple(adapter_options().items())).validate_python(value)


# Dumped as the kind's own model (the declared base has no fields).
OptionsField = Annotated[SerializeAsAny[AdapterOptions], PlainValidator(_validate_options)]
