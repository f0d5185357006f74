"""The clients that settings call for, built in one place (no Textual here).

The scriptable commands use these; the app is meant to as well, so an operation has
one implementation whichever way it is reached. Anything missing from the settings is
a `ConfigError` whose text names the setting to fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.config import ConfigError, InstanceSettings, Settings, codes_problem, link_problem

if TYPE_CHECKING:
    from tui.api.green import GreenClient
    from tui.api.provider import CodesProvider


def codes_provider_name(settings: Settings, provider: str | None = None) -> str:
    """`meta` or `alibaba`: `provider` (default ui.provider), `auto` being Meta unless only CAMS is set up."""
    choice = provider or settings.ui.provider
    if choice == "auto":
        return "meta" if settings.meta.usable or not settings.alibaba.configured else "alibaba"
    return choice


def build_codes_provider(settings: Settings, provider: str | None = None) -> CodesProvider:
    """The Message QR codes provider the settings describe; ConfigError says what is missing."""
    problem = codes_problem(settings, provider)
    if problem:
        raise ConfigError(problem)
    if codes_provider_name(settings, provider) == "alibaba":
        from tui.api.alibaba import AlibabaClient

        return AlibabaClient(settings.alibaba)
    from tui.api.meta import MetaClient

    return MetaClient(settings.meta)


async def known_instances(settings: Settings) -> list[InstanceSettings]:
    """Every Green API instance known to the settings, in order, one per id: the configured
    ones (`green.id_instance`, `[[green.instances]]`), then those of the partner account
    (`green.partner_token`) on the configured `green.api_url` (the partner answer names no host).

    A refused partner token or an unreachable partner host is an ApiError for the caller."""
    found = {entry.id_instance: entry for entry in settings.green_instances()}
    g = settings.green
    if g.partner_token is not None and g.partner_token.get_secret_value():
        from tui.api.green import GreenPartner

        partner = GreenPartner(g.partner_token.get_secret_value(), api_url=g.partner_api_url)
        try:
            listed = await partner.instances()
        finally:
            await partner.aclose()
        for entry in listed:
            found.setdefault(entry.id_instance, InstanceSettings(
                name=entry.name, id_instance=entry.id_instance, api_token_instance=entry.api_token_instance,
                api_url=entry.api_url or g.api_url))
    return list(found.values())


def find_instance(instances: list[InstanceSettings], wanted: str) -> InstanceSettings:
    """The instance whose id or name is `wanted` (a name in any case); ConfigError names the known ones."""
    for entry in instances:
        if wanted == entry.id_instance:
            return entry
    named = [entry for entry in instances if entry.name.casefold() == wanted.strip().casefold()]
    if len(named) == 1:
        return named[0]
    known = ", ".join(entry.label for entry in instances[:20]) or "none"
    if named:
        raise ConfigError(f"{len(named)} instances are named {wanted!r}: give the id instead ({known})")
    raise ConfigError(f"no Green API instance {wanted!r}; known instances: {known}")


async def choose_instance(settings: Settings, wanted: str | None = None) -> InstanceSettings:
    """`wanted` (a name or id), or the only instance there is; ConfigError otherwise."""
    problem = link_problem(settings)
    if problem:
        raise ConfigError(problem)
    instances = await known_instances(settings)
    if wanted:
        return find_instance(instances, wanted)
    if not instances:
        raise ConfigError("no Green API instance is configured: set green.id_instance, or add [[green.instances]]")
    if len(instances) > 1:
        names = ", ".join(entry.label for entry in instances[:20])
        raise ConfigError(f"{len(instances)} Green API instances are known; choose one with --instance ({names})")
    return instances[0]


def build_green_client(settings: Settings, instance: InstanceSettings | None = None) -> GreenClient:
    """A client for `instance` (default: the `green.id_instance` one); ConfigError says what is missing."""
    from tui.api.green import GreenClient

    if instance is not None:
        return GreenClient(instance.green_settings(settings.green.api_url))
    if not settings.green.configured:
        raise ConfigError(link_problem(settings) or "several Green API instances are configured: choose one")
    return GreenClient(settings.green)
