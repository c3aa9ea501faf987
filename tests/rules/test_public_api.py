"""The public surface of ``rempart.rules`` changes only on purpose."""

import rempart.rules


def test_exported_names() -> None:
    assert sorted(rempart.rules.__all__) == sorted([
        "SEVERITY_WEIGHTS", "CompiledRule", "LoadResult", "Rule", "RuleError", "RuleLoadError", "RuleSet",
        "RuleTests", "Severity", "SourceLocation", "load_rules", "shipped_pack_dir",
    ])
    for name in rempart.rules.__all__:
        assert hasattr(rempart.rules, name)
