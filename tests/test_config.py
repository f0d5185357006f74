"""Settings: precedence of the sources, env file, profiles, instances, unknown keys, secrets, messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import (
    ConfigError,
    MetaSettings,
    codes_problem,
    config_file_warning,
    env_name,
    load_settings,
    missing,
    start_problem,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def error_of(*args: object, **kwargs: object) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(*args, **kwargs)  # type: ignore[arg-type]
    text = str(info.value)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_defaults_match_the_design() -> None:
    s = load_settings()
    assert s.meta.base_url == "https://graph.facebook.com"
    assert s.meta.api_version == "v23.0"
    assert s.green.api_url == "https://api.green-api.com"
    assert s.green.partner_api_url == "https://api.green-api.com"
    assert s.alibaba.endpoint == "https://cams.ap-southeast-1.aliyuncs.com"
    assert (s.ui.theme, s.ui.qr_style, s.ui.provider, s.ui.link_idle_minutes) == ("waqr-dark", "auto", "auto", 5)
    assert s.meta.access_token is None and not s.meta.configured
    assert s.profile is None and s.profiles() == [] and s.green_instances() == []


def test_precedence_toml_env_file_environment_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "c.toml", '[meta]\napi_version = "v1.0"\nphone_number_id = "toml"\n'
                   'access_token = "from-toml"\n[ui]\ntheme = "waqr-light"\n')
    assert load_settings(config).meta.api_version == "v1.0"
    env_file = write(tmp_path / "waqr.env", "WAQR_META__API_VERSION=v2.0\nWAQR_META__PHONE_NUMBER_ID=envfile\n")
    s = load_settings(config, env_file=env_file)
    assert (s.meta.api_version, s.meta.phone_number_id, s.ui.theme) == ("v2.0", "envfile", "waqr-light")
    monkeypatch.setenv("WAQR_META__API_VERSION", "v3.0")
    assert load_settings(config, env_file=env_file).meta.api_version == "v3.0"
    s = load_settings(config, {"meta.api_version": "v4.0"}, env_file=env_file)
    assert s.meta.api_version == "v4.0"
    # the nested section keeps the keys that other sources set
    assert s.meta.phone_number_id == "envfile" and s.meta.access_token.get_secret_value() == "from-toml"


def test_dotenv_in_the_current_folder_is_never_read(isolated: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    write(isolated / ".env", "WAQR_META__BASE_URL=https://evil.example\nWAQR_GREEN__API_URL=https://evil.example\n")
    s = load_settings()
    assert s.meta.base_url == "https://graph.facebook.com" and s.green.api_url == "https://api.green-api.com"
    named = write(tmp_path / "named.env", "WAQR_GREEN__ID_INSTANCE=1101\nOTHER_TOOL_SETTING=ignored\n")
    monkeypatch.setenv("WAQR_ENV_FILE", str(named))
    assert load_settings().green.id_instance == "1101"
    monkeypatch.setenv("WAQR_ENV_FILE", str(tmp_path / "absent.env"))
    assert "env file not found" in error_of()


def test_config_from_waqr_config_and_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = write(Path.home() / ".config/waqr/config.toml", '[green]\nid_instance = "1101"\n')
    assert load_settings().green.id_instance == "1101"
    other = write(tmp_path / "other.toml", '[green]\nid_instance = "2202"\n')
    monkeypatch.setenv("WAQR_CONFIG", str(other))
    assert load_settings().green.id_instance == "2202"
    assert default.exists()


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ('[meta]\nphone_numer_id = "1"\n', "unknown setting meta.phone_numer_id"),
        ('[metta]\nphone_number_id = "1"\n', "unknown setting metta"),
        ('[[green.instances]]\nnme = "a"\nid_instance = "1"\napi_token_instance = "t"\n', "unknown setting green.instances.nme"),
        ('[profiles.acme.meta]\nacess_token = "x"\n', "unknown setting meta.acess_token"),
        ('[profiles.acme.ui]\ntheme = "x"\n', "unknown setting profiles.acme.ui"),
    ],
)
def test_unknown_keys_in_the_config_file_name_the_nearest(tmp_path: Path, toml: str, said: str) -> None:
    text = error_of(write(tmp_path / "c.toml", toml))
    suggestion = {"phone_numer_id": "did you mean meta.phone_number_id?", "metta": "did you mean meta?",
                  "nme": "did you mean green.instances.name?", "acess_token": "did you mean meta.access_token?",
                  "ui": "known: profiles.acme.meta, profiles.acme.green, profiles.acme.alibaba"}
    assert said in text and suggestion[said.rsplit(".", 1)[-1].removeprefix("unknown setting ")] in text


def test_unknown_keys_from_set_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = error_of(overrides={"ui.nope": "1"})
    assert "unknown setting ui.nope (--set); known: ui.theme, ui.qr_style, ui.provider" in text
    monkeypatch.setenv("WAQR_META__ACESS_TOKEN", "x")
    text = error_of()
    assert "WAQR_META__ACESS_TOKEN" in text and "did you mean WAQR_META__ACCESS_TOKEN?" in text
    monkeypatch.delenv("WAQR_META__ACESS_TOKEN")
    monkeypatch.setenv("WAQR_THEME", "x")
    assert "unknown setting WAQR_THEME" in error_of()
    monkeypatch.delenv("WAQR_THEME")
    bad = write(tmp_path / "bad.env", "WAQR_GREEN__IDINSTANCE=1\n")
    text = error_of(env_file=bad)
    assert "WAQR_GREEN__IDINSTANCE" in text and "WAQR_GREEN__ID_INSTANCE" in text and str(bad) in text


def test_values_are_normalised() -> None:
    s = load_settings(overrides={"meta.api_version": "23.0", "alibaba.endpoint": "cams.eu-central-1.aliyuncs.com"})
    assert s.meta.api_version == "v23.0"
    assert s.alibaba.endpoint == "https://cams.eu-central-1.aliyuncs.com"
    assert load_settings(overrides={"meta.api_version": " v24.0 "}).meta.api_version == "v24.0"
    text = error_of(overrides={"meta.api_version": "latest"})
    assert "meta.api_version (WAQR_META__API_VERSION)" in text
    assert "green.api_url" in error_of(overrides={"green.api_url": "ftp://x"})


def test_profiles_replace_sections_key_by_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "c.toml", """
[meta]
phone_number_id = "111"
access_token = "top-token"
api_version = "v23.0"

[profiles.acme.meta]
phone_number_id = "222"
access_token = "acme-token"

[profiles.zeta.alibaba]
endpoint = "cams.ap-southeast-5.aliyuncs.com"
""")
    s = load_settings(config)
    assert s.meta.phone_number_id == "111" and s.profiles() == ["acme", "zeta"] and s.profile is None
    s = load_settings(config, profile="acme")
    assert (s.meta.phone_number_id, s.meta.access_token.get_secret_value(), s.meta.api_version) == (
        "222", "acme-token", "v23.0")
    assert s.profile == "acme"
    monkeypatch.setenv("WAQR_PROFILE", "zeta")
    s = load_settings(config)
    assert s.alibaba.endpoint == "https://cams.ap-southeast-5.aliyuncs.com" and s.meta.phone_number_id == "111"
    text = error_of(config, profile="acme2")
    assert "unknown profile 'acme2'" in text and "acme, zeta" in text


def test_green_instances_and_every_secret(tmp_path: Path) -> None:
    config = write(tmp_path / "c.toml", """
[green]
id_instance = "7105000001"
api_token_instance = "single-token"
partner_token = "partner-secret"

[[green.instances]]
name = "Shop north"
id_instance = "7105000002"
api_token_instance = "north-token"

[[green.instances]]
name = "Shop south"
id_instance = 7107000003
api_token_instance = "south-token"
api_url = "https://7107.api.greenapi.com/"
""")
    s = load_settings(config)
    found = [(i.id_instance, i.label, i.api_url, i.api_token_instance.get_secret_value()) for i in s.green_instances()]
    assert found == [
        ("7105000001", "7105000001", "https://api.green-api.com", "single-token"),
        ("7105000002", "Shop north", "https://api.green-api.com", "north-token"),
        ("7107000003", "Shop south", "https://7107.api.greenapi.com", "south-token"),
    ]
    assert sorted(s.secrets()) == ["north-token", "partner-secret", "single-token", "south-token"]
    for secret in s.secrets():
        assert secret not in repr(s) and secret not in str(s.model_dump()) and secret not in repr(s.green_instances())
    client_settings = s.green_instances()[2].green_settings()
    assert client_settings.configured and client_settings.api_url == "https://7107.api.greenapi.com"
    assert start_problem(load_settings(config, {"green.id_instance": None}), "link") is None


def test_a_broken_instance_entry_names_its_place(tmp_path: Path) -> None:
    config = write(tmp_path / "c.toml", '[[green.instances]]\nname = "x"\nid_instance = "12a"\n'
                   'api_token_instance = "t"\n')
    text = error_of(config)
    assert "green.instances[0].id_instance" in text and "digits only" in text and str(config) in text


def test_malformed_setting_names_key_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAQR_GREEN__ID_INSTANCE", "abc")
    text = error_of()
    assert "green.id_instance" in text and "WAQR_GREEN__ID_INSTANCE" in text


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.toml", "[meta\n")
    assert "cannot read config file" in error_of(bad)
    assert "not found" in error_of(tmp_path / "nope.toml")


def test_required_keys_are_declared_once() -> None:
    meta = MetaSettings(phone_number_id="1")
    assert meta.missing_keys() == ["access_token"] and not meta.configured
    assert missing(meta) == "meta.access_token (WAQR_META__ACCESS_TOKEN)"
    assert missing(meta, "meta", ["phone_number_id"]) is None


def test_start_problem_names_missing_keys() -> None:
    s = load_settings()
    codes = start_problem(s, None)
    assert codes and "meta.access_token (WAQR_META__ACCESS_TOKEN)" in codes
    link = start_problem(s, "link")
    assert link and "green.api_token_instance (WAQR_GREEN__API_TOKEN_INSTANCE)" in link
    assert "green.partner_token" in link
    assert env_name("alibaba.cust_space_id") == "WAQR_ALIBABA__CUST_SPACE_ID"
    alibaba = codes_problem(load_settings(overrides={"ui.provider": "alibaba"}))
    assert alibaba and alibaba.startswith("Alibaba CAMS needs alibaba.access_key_id")


def test_warns_when_config_file_is_readable_by_others(tmp_path: Path) -> None:
    path = write(tmp_path / "cfg" / "config.toml", "[meta]\naccess_token = 'x'\n")
    path.chmod(0o600)
    assert config_file_warning(path) is None
    path.chmod(0o644)
    warning = config_file_warning(path)
    assert warning and "chmod 600" in warning
