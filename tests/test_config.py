"""Settings: precedence of the sources, secrets, and messages for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import ConfigError, config_file_warning, env_name, load_settings, start_problem


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_match_the_design() -> None:
    s = load_settings()
    assert s.meta.base_url == "https://graph.facebook.com"
    assert s.meta.api_version == "v23.0"
    assert s.green.api_url == "https://api.green-api.com"
    assert s.alibaba.endpoint == "https://cams.ap-southeast-1.aliyuncs.com"
    assert s.ui.theme == "waqr-dark"
    assert s.meta.access_token is None and not s.meta.configured


def test_precedence_toml_dotenv_env_cli(tmp_path: Path, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "c.toml", '[meta]\napi_version = "v1.0"\nphone_number_id = "toml"\n'
                   'access_token = "from-toml"\n[ui]\ntheme = "waqr-light"\n')
    assert load_settings(config).meta.api_version == "v1.0"
    write(isolated / ".env", "WAQR_META__API_VERSION=v2.0\nWAQR_META__PHONE_NUMBER_ID=dotenv\n")
    s = load_settings(config)
    assert (s.meta.api_version, s.meta.phone_number_id, s.ui.theme) == ("v2.0", "dotenv", "waqr-light")
    monkeypatch.setenv("WAQR_META__API_VERSION", "v3.0")
    assert load_settings(config).meta.api_version == "v3.0"
    s = load_settings(config, {"meta.api_version": "v4.0"})
    assert s.meta.api_version == "v4.0"
    # the nested section keeps the keys that other sources set
    assert s.meta.phone_number_id == "dotenv" and s.meta.access_token.get_secret_value() == "from-toml"


def test_config_from_waqr_config_and_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = write(Path.home() / ".config/waqr/config.toml", '[green]\nid_instance = "1101"\n')
    assert load_settings().green.id_instance == "1101"
    other = write(tmp_path / "other.toml", '[green]\nid_instance = "2202"\n')
    monkeypatch.setenv("WAQR_CONFIG", str(other))
    assert load_settings().green.id_instance == "2202"
    assert default.exists()


def test_secrets_are_secret_str(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAQR_GREEN__API_TOKEN_INSTANCE", "tok-123456")
    s = load_settings()
    assert "tok-123456" not in repr(s) and "tok-123456" not in str(s.model_dump())
    assert s.secrets() == ["tok-123456"]


def test_malformed_setting_names_key_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAQR_GREEN__ID_INSTANCE", "abc")
    with pytest.raises(ConfigError) as info:
        load_settings()
    text = str(info.value)
    assert "green.id_instance" in text and "WAQR_GREEN__ID_INSTANCE" in text


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.toml", "[meta\n")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_start_problem_names_missing_keys() -> None:
    s = load_settings()
    codes = start_problem(s, None)
    assert codes and "meta.access_token (WAQR_META__ACCESS_TOKEN)" in codes
    link = start_problem(s, "link")
    assert link and "green.api_token_instance (WAQR_GREEN__API_TOKEN_INSTANCE)" in link
    assert env_name("alibaba.cust_space_id") == "WAQR_ALIBABA__CUST_SPACE_ID"


def test_warns_when_config_file_is_readable_by_others(tmp_path: Path) -> None:
    path = write(tmp_path / "cfg" / "config.toml", "[meta]\naccess_token = 'x'\n")
    path.chmod(0o600)
    assert config_file_warning(path) is None
    path.chmod(0o644)
    warning = config_file_warning(path)
    assert warning and "chmod 600" in warning
