"""Floor for the start-up benchmark (issue 16): a bare Textual app (header, one Static, footer)
that imports pydantic-settings and validates one settings model before its first frame, as waqr
must (a configuration error ends with a message and exit 2, never inside a UI)."""

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class FloorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLOOR_", env_nested_delimiter="__")

    base_url: str = "https://example.invalid"
    token: SecretStr | None = None


class Floor(App[None]):
    TITLE = "floor-baseline"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("floor")
        yield Footer()


if __name__ == "__main__":
    FloorSettings()
    Floor().run()
