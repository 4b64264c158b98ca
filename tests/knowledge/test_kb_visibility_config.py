"""The `knowledge.visibility` rule: glob semantics, and config errors that name the line, key and fix."""

from __future__ import annotations

import pytest

from bot.config import SAMPLE_DIR
from bot.support import ConfigError, parse_support_config
from knowledge.visibility import VisibilityRules

SAMPLE = (SAMPLE_DIR / "support.yaml").read_text()
BASE = SAMPLE[: SAMPLE.index("\nknowledge:")] + "\nknowledge:\n  visibility:\n"


@pytest.mark.parametrize(
    ("pattern", "path", "public"),
    [
        ("help-centre/**", "help-centre/a/b.html", True),
        ("help-centre/", "help-centre/b.html", True),
        ("help-centre/*", "help-centre/a/b.html", False),  # '*' stays inside one folder
        ("*.html", "a/b.html", False),
        ("**/*.html", "a/b.html", True),
        ("**/*.html", "b.html", True),
        ("help-centre/**", "Help-Centre/b.html", False),  # public patterns are case-sensitive
        ("faq.md", "faq.md", True),
        ("faq.md", "faq.mdx", False),
    ],
)
def test_public_patterns(pattern: str, path: str, public: bool) -> None:
    rules = VisibilityRules(public=(pattern,))
    assert rules.decide(path, None) == ("public" if public else "internal")


def test_order_internal_rule_then_the_file_then_public_rule_then_default() -> None:
    rules = VisibilityRules(public=("help/**",), internal=("help/drafts/**",))
    assert rules.decide("help/drafts/x.md", "public") == "internal"
    assert rules.decide("HELP/Drafts/x.md", None) == "internal"
    assert rules.decide("help/x.md", "internal") == "internal"
    assert rules.decide("help/x.md", None) == "public"
    assert rules.decide("other/x.md", "public") == "public"
    assert rules.decide("other/x.md", None) == "internal"
    assert VisibilityRules(default="public").decide("other/x.html", None) == "public"


def test_the_sample_configuration_reads() -> None:
    config = parse_support_config(SAMPLE)
    assert config.knowledge.visibility.rules() == VisibilityRules(
        public=("help-centre/**",), internal=("runbooks/**",)
    )
    assert parse_support_config(SAMPLE[: SAMPLE.index("\nknowledge:")]).knowledge.visibility.default == (
        "internal"
    )


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            "    default: publik\n",
            "knowledge.visibility.default: 'publik' is not allowed. Fix: use 'public' or",
        ),
        ("    Public: [a]\n", "knowledge.visibility.Public: Extra inputs are not permitted. Fix: remove it"),
        (
            '    public: ["/srv/help/**"]\n',
            "knowledge.visibility.public: '/srv/help/**' is an absolute path. Fix: write it relative to "
            "the sources folder (KB_SOURCES), e.g. 'srv/help/**'.",
        ),
        (
            '    internal: ["../ops/**"]\n',
            "knowledge.visibility.internal: '../ops/**' climbs out of the sources folder with '..'. Fix:",
        ),
        (
            '    public: ["a/**"]\n    internal: ["a/**"]\n',
            "knowledge.visibility: 'a/**' is listed under both public and internal. "
            "Fix: keep it in one list (internal would win).",
        ),
    ],
)
def test_config_errors_name_the_line_key_and_fix(lines: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_support_config(BASE + lines, file="support.yaml")
    line = BASE.count("\n") + (0 if expected.startswith("knowledge.visibility:") else 1)
    assert f"support.yaml:{line}: {expected}" in str(err.value)


@pytest.mark.parametrize(
    "opening",
    [
        "<!-- exported from Zendesk -->\n",
        "<!--\n  exported 2026-12-01\n-->\n\n",
        "\u200b",  # a zero-width space an editor left
        "\ufeff\u2060\n",
        "\u200e",  # a left-to-right mark: exports of right-to-left help centres (a second review)
        "\u200f\u00ad\u2061\u180e\u202a\u2066\n",
        "\u034f\ufe0f",  # a grapheme joiner, a variation selector (a third review)
    ],
)
def test_a_files_own_internal_wins_whatever_comes_before_its_front_matter(tmp_path, opening: str) -> None:  # type: ignore[no-untyped-def]
    """A review: anything before the '---' (an export's comment, a zero-width space) made the front
    matter body text, so the file's own `visibility: internal` was lost and a public folder rule
    published it."""
    from knowledge.documents import load

    path = tmp_path / "esc.md"
    path.write_text(opening + "---\ntitle: Escalation\nvisibility: internal\n---\n\nCall the on-call VP.\n")
    doc = load(path, relative="help-centre/esc.md", rules=VisibilityRules(public=("help-centre/**",)))
    assert doc.visibility == "internal" and "visibility:" not in doc.text


def test_front_matter_after_other_text_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from knowledge.documents import SourceError, load

    path = tmp_path / "esc.md"
    path.write_text(
        "Imported from the old wiki\n\n---\ntitle: Escalation\nvisibility: internal\n---\n\nCall the VP.\n"
    )
    with pytest.raises(SourceError, match="line 3, after other text.*move the '---' block to the top"):
        load(path, relative="help-centre/esc.md", rules=VisibilityRules(public=("help-centre/**",)))
    # a block between two rules that only mentions visibility is prose, not front matter (a second review)
    prose = tmp_path / "guide.md"
    prose.write_text("Intro\n\nSee below.\n\n---\n\nvisibility: can be set per field\n\n---\nMore text\n")
    assert (
        load(
            prose, relative="help-centre/guide.md", rules=VisibilityRules(public=("help-centre/**",))
        ).visibility
        == "public"
    )
    # late front matter in any YAML form is refused: a list, a comment, capitals, a blank line (a third review)
    for block in (
        "title: R\ntags:\n  - billing\nvisibility: internal\n",
        "title: R\nvisibility: internal  # staff only\n",
        "title: R\nvisibility: Internal\n",
        "title: R\n\nvisibility: internal\n",
    ):
        late = tmp_path / "late.md"
        late.write_text(f"# Billing runbook\n\n---\n{block}---\nApprove refunds.\n")
        with pytest.raises(SourceError, match="after other text"):
            load(late, relative="help-centre/late.md", rules=VisibilityRules(public=("help-centre/**",)))
    # a YAML example in a code fence, and a horizontal rule written "- - -", are Markdown
    guide = tmp_path / "writing.md"
    guide.write_text("# Writing articles\n\n```yaml\n---\ntitle: Mine\nvisibility: internal\n---\n```\n")
    assert (
        load(
            guide, relative="help-centre/writing.md", rules=VisibilityRules(public=("help-centre/**",))
        ).visibility
        == "public"
    )
    spaced = tmp_path / "spaced.md"
    spaced.write_text("- - -\nIntro paragraph.\n\n# Title\nText.\n")
    assert (
        load(
            spaced, relative="help-centre/spaced.md", rules=VisibilityRules(public=("help-centre/**",))
        ).title
        == "Title"
    )
    # a thematic break ('---') in an article without front matter is just Markdown
    plain = tmp_path / "plain.md"
    plain.write_text("# Title\n\nSome text\n\n---\n\nMore text\n\n---\n")
    assert (
        load(
            plain, relative="help-centre/plain.md", rules=VisibilityRules(public=("help-centre/**",))
        ).visibility
        == "public"
    )


@pytest.mark.parametrize(
    ("written", "tags"),
    [
        ("tags: billing, invoices", ("billing", "invoices")),  # a review: one tag "billing, invoices"
        ("tags: [billing, invoices]", ("billing", "invoices")),
        ("tags: billing", ("billing",)),
        ("tags: 2026", ("2026",)),
    ],
)
def test_tags_are_the_words_the_writer_listed(written: str, tags: tuple[str, ...]) -> None:
    from knowledge.frontmatter import split

    meta, _ = split(f"---\ntitle: T\n{written}\n---\nBody.\n")
    assert meta is not None and meta.tags == tags


def test_a_tag_that_is_not_a_word_is_refused() -> None:
    from knowledge.frontmatter import FrontMatterError, split

    with pytest.raises(FrontMatterError, match="must be a list of words"):
        split("---\ntags: [yes, {a: b}]\n---\nBody.\n")
