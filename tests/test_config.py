import pytest

from copydesk.config import STAGES, Config, ConfigError, flag_specs, with_overrides


def test_defaults_validate_and_run_every_stage():
    cfg = Config()
    assert cfg.stages == STAGES
    assert cfg.workers >= 1


def test_toml_sections_and_unknown_keys(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('stages = ["near", "exact"]\n[near]\nmin_jaccard = 0.9\n')
    cfg = Config.from_toml(path)
    assert cfg.stages == ("exact", "near")
    assert cfg.near.min_jaccard == 0.9
    path.write_text("[near]\nmin_jacard = 0.9\n")
    with pytest.raises(ConfigError, match="unknown setting near.min_jacard"):
        Config.from_toml(path)
    path.write_text("[near\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.from_toml(path)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"near": {"min_jaccard": 1.5}}, "min_jaccard"),
        ({"near": {"num_perm": 100}}, "power of two"),
        ({"stages": ["exact", "magic"]}, "unknown stage"),
        ({"ingest": {"on_error": "ignore"}}, "on_error"),
        ({"near": {"min_jaccard": "high"}}, "must be a number"),
    ],
)
def test_invalid_values_name_the_setting(values, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_mapping(values)


def test_overrides_apply_on_top_of_a_file_config():
    cfg = with_overrides(Config.from_mapping({"near": {"ngram": 4}}), {"near.min_jaccard": 0.7, "stages": "exact,near"})
    assert (cfg.near.ngram, cfg.near.min_jaccard, cfg.stages) == (4, 0.7, ("exact", "near"))


def test_every_setting_has_a_flag_with_help():
    specs = flag_specs()
    flags = [s[0] for s in specs]
    assert len(flags) == len(set(flags))
    assert "--near-min-jaccard" in flags and "--on-error" in flags
    assert all(s[3] for s in specs), [s[0] for s in specs if not s[3]]
