"""The knowledge base fails closed: no typo, encoding quirk, file format or link makes a document public.

Every internal file carries a canary; each case asserts that no customer answer, source or related
article shows it, through `KnowledgeBase.answer(question, audience="customer")` (the bot's path).
A new case is one row of CASES.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge import chunking, documents
from knowledge.base import KnowledgeBase
from knowledge.embedding import HashEmbedder
from knowledge.results import Answer
from knowledge.store import VectorStore
from knowledge.visibility import VisibilityRules

# The admin's rule in these tests: an exported help centre is public, runbooks are staff-only,
# everything else that does not say is internal (the default).
RULES = VisibilityRules(public=("help-centre/**",), internal=("runbooks/**",))
PUBLIC_DOC = (
    "---\ntitle: Vault basics\nvisibility: public\n---\n\n# Vault basics\n\n"
    "The vault keeps your files safe. Ask your administrator for access to the vault.\n"
)


def body(case: str) -> str:
    return f"# Vault override {case}\n\nThe vault override code is 4711. CANARY-{case}\n"


def fm(case: str, *lines: str) -> str:
    return "---\n" + "".join(f"{line}\n" for line in lines) + f"title: Vault override CANARY-{case}\n---\n"


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # relative to the sources folder
    content: str | bytes
    outcome: str  # "refused" (reported, not indexed) or "internal" (staff only)
    reason: str = ""  # for refused: words the error must contain


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
CASES = [
    # Front matter keys and values: a public folder's rule would apply if the block were misread.
    Case(
        "capital-v",
        "help-centre/vault.md",
        fm("capital-v", "Visibility: internal") + body("capital-v"),
        "refused",
        "key 'Visibility' is not known; did you mean 'visibility'?",
    ),
    Case(
        "misspelt-key",
        "help-centre/vault.md",
        fm("misspelt-key", "visiblity: internal") + body("misspelt-key"),
        "refused",
        "did you mean 'visibility'?",
    ),
    Case(
        "value-typo",
        "help-centre/vault.md",
        fm("value-typo", "visibility: internl") + body("value-typo"),
        "refused",
        "write visibility: public",
    ),
    Case(
        "value-empty",
        "help-centre/vault.md",
        fm("value-empty", "visibility:") + body("value-empty"),
        "refused",
        "'visibility' must be text",
    ),
    Case(
        "value-list",
        "help-centre/vault.md",
        fm("value-list", "visibility: [internal]") + body("value-list"),
        "refused",
        "'visibility' must be text, not a list",
    ),
    Case(
        "value-bool",
        "help-centre/vault.md",
        fm("value-bool", "visibility: no") + body("value-bool"),
        "refused",
        "'visibility' must be text",
    ),
    Case(
        "duplicate-key",
        "help-centre/vault.md",
        fm("duplicate-key", "visibility: internal", "visibility: public") + body("duplicate-key"),
        "refused",
        "appears twice",
    ),
    Case(
        "value-case",
        "help-centre/vault.md",
        fm("value-case", "visibility: ' Internal '") + body("value-case"),
        "internal",
    ),
    Case(
        "url-not-text",
        "help-centre/vault.md",
        fm("url-not-text", "url: [a, b]") + body("url-not-text"),
        "refused",
        "'url' must be text",
    ),
    Case(
        "url-not-http",
        "help-centre/vault.md",
        fm("url-not-http", "url: javascript:alert(1)") + body("url-not-http"),
        "refused",
        "http(s) address",
    ),
    Case(
        "alias-bomb",
        "help-centre/vault.md",
        "---\n" + ALIAS_BOMB + "visibility: public\n---\n" + body("alias-bomb"),
        "refused",
        "anchor or alias",
    ),
    Case(
        "merge-key",
        "help-centre/vault.md",
        "---\n<<: {visibility: public}\nvisibility: internal\n---\n" + body("merge-key"),
        "refused",
        "merge key",
    ),
    Case(
        "unclosed",
        "help-centre/vault.md",
        "---\nvisibility: internal\ntitle: x\n\n" + body("unclosed"),
        "refused",
        "not closed",
    ),
    Case(
        "toml",
        "help-centre/vault.md",
        "+++\nvisibility = 'internal'\n+++\n" + body("toml"),
        "refused",
        "TOML",
    ),
    Case(
        "not-a-mapping",
        "help-centre/vault.md",
        "---\n- visibility: internal\n---\n" + body("not-a-mapping"),
        "refused",
        "'key: value' lines",
    ),
    # Bytes and blank lines before the block: still front matter.
    Case(
        "bom", "help-centre/vault.md", "\ufeff" + fm("bom", "visibility: internal") + body("bom"), "internal"
    ),
    Case(
        "blank-lines",
        "help-centre/vault.md",
        "\n\n  \n" + fm("blank-lines", "visibility: internal") + body("blank-lines"),
        "internal",
    ),
    Case(
        "bom-crlf",
        "help-centre/vault.md",
        ("\ufeff\r\n" + fm("bom-crlf", "visibility: internal") + body("bom-crlf")).replace("\n", "\r\n"),
        "internal",
    ),
    Case(
        "text-front-matter",
        "help-centre/vault.txt",
        fm("text-front-matter", "visibility: internal") + body("text-front-matter"),
        "internal",
    ),
    # Files that do not say: the folder rule, internal by default.
    Case(
        "html",
        "exports/vault.html",
        "<html><head><title>Vault CANARY-html</title></head><body>"
        "<h1>Vault override</h1><p>The vault override code is 4711. CANARY-html</p></body></html>",
        "internal",
    ),
    Case("text", "exports/vault.txt", body("text"), "internal"),
    Case("markdown-bare", "vault.md", body("markdown-bare"), "internal"),
    Case("markdown-no-key", "exports/vault.md", fm("markdown-no-key") + body("markdown-no-key"), "internal"),
    # An internal folder rule wins over the file's own word and over a public pattern.
    Case(
        "runbook-says-public",
        "runbooks/vault.md",
        fm("runbook-says-public", "visibility: public") + body("runbook-says-public"),
        "internal",
    ),
    Case(
        "runbook-html",
        "runbooks/vault.html",
        "<p>The vault override code is 4711. CANARY-runbook-html</p>",
        "internal",
    ),
    Case("runbook-case", "Runbooks/vault.txt", body("runbook-case"), "internal"),
]


def make_kb(tmp_path: Path) -> KnowledgeBase:
    return KnowledgeBase(store=VectorStore(path=tmp_path / "chroma"), embedder=HashEmbedder())


def put(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


def shown_to_customer(kb: KnowledgeBase, canary: str) -> list[Answer]:
    questions = ["What is the vault override code?", canary, f"vault override code {canary}", "vault 4711"]
    return [kb.answer(q, audience="customer") for q in questions]


def assert_no_canary(answers: list[Answer], canary: str, internal_id: str) -> None:
    for answer in answers:
        assert canary not in answer.text and "4711" not in answer.text
        for source in answer.sources + answer.related:
            assert canary not in source.title and source.doc_id != internal_id
        assert internal_id not in answer.ranking


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_internal_content_never_reaches_a_customer(case: Case, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    put(docs, "help-centre/vault-basics.md", PUBLIC_DOC)
    path = put(docs, case.path, case.content)
    kb = make_kb(tmp_path)
    report = kb.ingest([docs], root=docs, rules=RULES)
    canary = f"CANARY-{case.name}"
    doc_id = case.path.rsplit(".", 1)[0]
    if case.outcome == "refused":
        assert len(report.failed) == 1 and report.failed[0].startswith(f"{path}: "), report.failed
        assert case.reason in report.failed[0], report.failed[0]
        assert doc_id not in kb.store.doc_ids()
    else:
        assert not report.failed, report.failed
        assert kb.answer(f"vault override code {canary}", audience="staff").ranking[0] == doc_id
    answers = shown_to_customer(kb, canary)
    assert_no_canary(answers, canary, doc_id)
    assert any(a.sources for a in answers), "the public control document should still be found"
    assert {c.visibility for c in kb.store.all_chunks() if c.doc_id == "help-centre/vault-basics"} == {
        "public"
    }


def test_the_error_names_the_file_the_key_and_the_fix(tmp_path: Path) -> None:
    path = put(tmp_path / "kb", "ops/vault.md", "---\nVisibility: internal\n---\n# Vault\n")
    with pytest.raises(documents.SourceError) as err:
        documents.load(path, doc_id="ops/vault", relative="ops/vault.md")
    assert str(err.value) == (
        f"{path}: front matter key 'Visibility' is not known; did you mean 'visibility'? "
        "Known keys: title, url, visibility, tags, owner, source"
    )
    put(tmp_path / "kb", "ops/odd.md", "---\nsecret: yes\n---\n# Odd\n")
    with pytest.raises(
        documents.SourceError, match="key 'secret' is not known; remove it or fix its spelling"
    ):
        documents.load(tmp_path / "kb" / "ops/odd.md")
    put(tmp_path / "kb", "ops/url.md", "---\nurl: 42\n---\n# Url\n")
    with pytest.raises(
        documents.SourceError, match=r"url\.md: front matter key 'url' must be text, not a number \(42\)"
    ):
        documents.load(tmp_path / "kb" / "ops/url.md")


def test_what_other_tools_write_is_read_and_ignored_but_a_say_on_readers_is_refused(tmp_path: Path) -> None:
    """A review: a help-centre export with `description:` and `date:` lines, or a title YAML reads as a
    number (`title: 2024`), was refused whole. Keys of site generators are ignored; a key that might say
    who reads the article (`private`, `draft`, `audience`) still refuses it: ignored, it could publish
    what its writer meant to keep in."""
    export = "---\ntitle: 2024\ndescription: Plans and prices\ndate: 2024-01-31\nauthor: Ana\nslug: p\n---\nBody.\n"
    doc = documents.load(put(tmp_path / "kb", "prices.md", export), rules=VisibilityRules(default="public"))
    assert (doc.title, doc.visibility, doc.text.strip()) == ("2024", "public", "Body.")
    dated = documents.load(put(tmp_path / "kb", "d.md", "---\ntitle: 2024-01-31\n---\nx\n"))
    assert dated.title == "2024-01-31"
    # what exports really write: a description about visibility settings, Docusaurus authors, Hugo images
    real = (
        '---\ndescription: "Project visibility: the setting that decides who sees a project"\n'
        "authors:\n  - name: Ana\n    url: https://ana.example\nimage:\n  src: a.png\n  alt: A\n---\nx\n"
    )
    assert documents.load(put(tmp_path / "kb", "real.md", real)).text.strip() == "x"
    numbered = documents.load(put(tmp_path / "kb", "n.md", "---\ntitle: 1.10\n---\nx\n"))
    assert numbered.title == "1.10"  # as written, not the number YAML reads (1.1)
    for key in (
        "private: true",
        "draft: true",
        "audience: staff",
        "hidden: yes",
        "Description: x",
        # a visibility swallowed by an ignored key (a review: each of these was published)
        "author:\n  name: Ana\n  visibility: internal",
        "description: |\n  Staff only.\n  visibility: internal",
        "keywords: [vault, visibility: internal]",
        "description: 'visibility: internal'",
        # in our own keys' text too, and written around the check (a second review)
        "owner: |\n  alice\n  visibility: internal",
        "title: |\n  Reset password\n  visibility: internal",
        'title: "Reset password\\n  visibility: internal"',
        "url: |\n  https://x.example\n  visibility: internal",
        "tags: [a, 'visibility: internal']",
        "description: |\n  visi\u00adbility: internal",
        "description: |\n  visibility\uff1a internal",
        "author: !!set {visibility: internal}",
    ):
        with pytest.raises(documents.SourceError, match="is not known|holds|must be"):
            documents.load(put(tmp_path / "kb", "p.md", f"---\n{key}\n---\n# P\n"))


def test_an_alias_bomb_is_refused_quickly_and_later_answers_still_work(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    levels = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))
    put(docs, "bomb.md", "---\nl0: &l0 [lol]\n" + levels + "---\n# Bomb\nlol\n")
    put(docs, "url.md", "---\ntitle: Bad url\nurl: {href: x}\nvisibility: public\n---\n# Bad url\ntext\n")
    put(docs, "help.md", PUBLIC_DOC)
    kb = make_kb(tmp_path)
    report = kb.ingest([docs])
    assert report.added == 1 and len(report.failed) == 2
    assert any("bomb.md" in f and "anchor or alias" in f for f in report.failed)
    assert any("url.md" in f and "'url' must be text, not a mapping" in f for f in report.failed)
    answer = kb.answer("how do I get access to the vault?", audience="customer")
    assert answer.sources and answer.sources[0].doc_id == "help"


def test_files_with_the_same_name_in_different_folders_are_two_documents(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    put(docs, "billing/faq.md", "---\nvisibility: public\n---\n# Billing FAQ\nInvoices are sent monthly.\n")
    put(
        docs,
        "sso/faq.md",
        "---\nvisibility: internal\n---\n# SSO FAQ\nOkta metadata CANARY-sso lives here.\n",
    )
    kb = make_kb(tmp_path)
    report = kb.ingest([docs])
    assert report.added == 2 and kb.store.doc_ids() == {"billing/faq", "sso/faq"}
    assert kb.answer("okta metadata CANARY-sso", audience="staff").ranking[0] == "sso/faq"
    assert_no_canary(shown_to_customer(kb, "CANARY-sso"), "CANARY-sso", "sso/faq")
    # The same stem twice in one folder cannot be told apart: both are refused, naming each other.
    put(docs, "billing/faq.html", "<p>Another billing FAQ</p>")
    again = kb.ingest([docs])
    assert again.failed == [
        "billing/faq.html and billing/faq.md would both be document 'billing/faq'; rename one of them "
        "(ids ignore the suffix)"
    ]
    assert again.withdrawn == ["billing/faq"]


def test_prune_removes_only_what_is_gone_under_the_paths_given(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    for name in ("a/one.md", "a/two.md", "b/three.md", "four.md"):
        put(docs, name, f"---\nvisibility: public\n---\n# {name}\nAbout {name}.\n")
    kb = make_kb(tmp_path)
    assert kb.ingest([docs], root=docs).added == 4
    # One file, with prune: nothing else is touched.
    single = kb.ingest([docs / "a/one.md"], root=docs, prune=True)
    assert (single.unchanged, single.removed) == (1, 0)
    assert kb.store.doc_ids() == {"a/one", "a/two", "b/three", "four"}
    # A subfolder, with prune: only what vanished from it goes.
    (docs / "a/two.md").unlink()
    (docs / "b/three.md").unlink()
    sub = kb.ingest([docs / "a"], root=docs, prune=True)
    assert sub.removed == 1 and kb.store.doc_ids() == {"a/one", "b/three", "four"}
    # The whole folder, with prune: the rest of what is gone.
    whole = kb.ingest([docs], root=docs, prune=True)
    assert whole.removed == 1 and kb.store.doc_ids() == {"a/one", "four"}


def test_an_article_moved_into_an_internal_folder_leaves_customers_without_prune(tmp_path: Path) -> None:
    """A review: `mv kb/api-keys.md kb/runbooks/` then `deskbot kb ingest` added the internal copy and kept
    the old public one answering customers. A document whose file is gone is withdrawn from customers
    (an internal copy stays for staff until --prune); a run that finds no file at all withdraws nothing."""
    docs = tmp_path / "docs"
    put(docs, "vault.md", "# Vault\nCANARY-moved: the vault override code is 4711.\n")
    put(docs, "help.md", "# Help\nHow to export your data as CSV.\n")
    kb = make_kb(tmp_path)
    rules = VisibilityRules(public=("*.md",), internal=("runbooks/**",))
    kb.ingest([docs], root=docs, rules=rules)
    assert "vault" in kb.answer("vault override code", audience="customer").ranking
    (docs / "runbooks").mkdir()
    (docs / "vault.md").rename(docs / "runbooks" / "vault.md")
    report = kb.ingest([docs], root=docs, rules=rules)
    assert report.added == 1 and report.gone == ["vault"] and report.removed == 0
    assert_no_canary(shown_to_customer(kb, "CANARY-moved"), "CANARY-moved", "vault")
    assert_no_canary(shown_to_customer(kb, "CANARY-moved"), "CANARY-moved", "runbooks/vault")
    assert kb.answer("vault override code", audience="staff").sources[0].doc_id == "runbooks/vault"
    assert kb.store.doc_ids() == {"help", "runbooks/vault"}  # its only copy was public
    # an emptied (unmounted) folder takes nothing from customers: what is gone is listed, kept
    for path in docs.rglob("*.md"):
        path.unlink()
    emptied = kb.ingest([docs], root=docs, rules=rules)
    assert emptied.gone == [] and emptied.missing == ["help", "runbooks/vault"]
    assert kb.answer("export data csv", audience="customer").sources[0].doc_id == "help"


def test_an_article_moved_and_renamed_into_an_internal_folder_leaves_customers(tmp_path: Path) -> None:
    """Known since a review: `mv kb/vault.md kb/runbooks/vault-override.md` kept the old public copy
    answering customers until --prune (only a move under the same file name was recognised). A gone
    document whose text now lives in a document that customers may not see was moved there: its public
    copy goes. A gone document whose text is nowhere else is listed and kept, as before."""
    docs = tmp_path / "docs"
    secret = "CANARY-renamed: the vault override code is 4711, ask the shift lead before using it."
    put(docs, "vault.md", f"# Vault\n{secret}\n")
    put(docs, "help.md", "# Help\nHow to export your data as CSV.\n")
    put(docs, "old-news.md", "# News\nWe moved offices in March.\n")
    kb = make_kb(tmp_path)
    rules = VisibilityRules(public=("*.md",), internal=("runbooks/**",))
    kb.ingest([docs], root=docs, rules=rules)
    (docs / "runbooks").mkdir()
    (docs / "vault.md").rename(docs / "runbooks" / "vault-override.md")
    (docs / "old-news.md").unlink()
    report = kb.ingest([docs], root=docs, rules=rules)
    assert report.gone == ["vault"] and report.missing == ["old-news"] and report.removed == 0
    assert_no_canary(shown_to_customer(kb, "CANARY-renamed"), "CANARY-renamed", "vault")
    assert kb.answer("vault override code", audience="staff").sources[0].doc_id == "runbooks/vault-override"
    assert "old-news" in kb.answer("moved offices", audience="customer").ranking


def test_a_gone_article_sharing_boilerplate_with_a_new_runbook_is_not_taken_for_moved(tmp_path: Path) -> None:
    """A review of the rule above: an unmounted guides/ folder and a new internal runbook whose first
    section is the same boilerplate withdrew the public export guide as "moved"."""
    docs = tmp_path / "docs"
    boiler = "## Before you begin\nYou need an administrator account.\n"
    put(docs, "guides/export.md", f"# Export your data\n{boiler}\n## Steps\nOpen Settings, then Export.\n")
    kb = make_kb(tmp_path)
    rules = VisibilityRules(public=("guides/**",), internal=("runbooks/**",))
    kb.ingest([docs], root=docs, rules=rules)
    (docs / "guides" / "export.md").unlink()  # unmounted, say
    put(docs, "runbooks/rotate-keys.md", f"# Rotate the signing keys\n{boiler}\n## Steps\nRun the job.\n")
    report = kb.ingest([docs], root=docs, rules=rules)
    assert report.gone == [] and report.missing == ["guides/export"]


def test_a_hidden_file_indexed_before_leaves_customers(tmp_path: Path) -> None:
    """A review: a notebook checkpoint indexed by an earlier version stayed public (and outranked its
    article) after hidden files were no longer read."""
    docs = tmp_path / "docs"
    put(docs, "reset.md", "# Reset your password\nUse the sign-in page.\n")
    kb = make_kb(tmp_path)
    rules = VisibilityRules(public=("**/*.md", "*.md"))
    old = put(tmp_path / "old", ".ipynb_checkpoints/reset-checkpoint.md", "# Reset your password\nOld.\n")
    doc = documents.load(old, doc_id=".ipynb_checkpoints/reset-checkpoint", rules=rules)
    kb.ingest([docs], root=docs, rules=rules)
    kb.store.upsert_many(
        [
            (
                chunking.split(doc),
                kb.embedder.passages([c.embed_text for c in chunking.split(doc)]),
                doc.content_hash,
                kb.embedder.passages([doc.title])[0],
            )
        ],
        before_titles=lambda: kb.lexical.write([(chunking.split(doc), doc.content_hash)]),
    )
    report = kb.ingest([docs], root=docs, rules=rules)
    assert ".ipynb_checkpoints/reset-checkpoint" in report.withdrawn
    assert kb.store.doc_ids(("public",)) == {"reset"}


def test_links_out_of_the_sources_folder_are_refused_and_an_old_copy_removed(tmp_path: Path) -> None:
    docs, outside = tmp_path / "docs", tmp_path / "deploy"
    put(outside, ".env", "SLACK_BOT_TOKEN=xoxb-CANARY-token-0000\n")
    put(outside, "shared/notes.md", "---\nvisibility: public\n---\n# Notes\nxoxb-CANARY-token-0000\n")
    put(docs, "help.md", PUBLIC_DOC)
    # As it was before the fix: the token indexed under a public rule.
    put(docs, "config.txt", "SLACK_BOT_TOKEN=xoxb-CANARY-token-0000\n")
    everything_public = VisibilityRules(default="public")
    kb = make_kb(tmp_path)
    assert kb.ingest([docs], root=docs, rules=everything_public).added == 2
    (docs / "config.txt").unlink()
    os.symlink(outside / ".env", docs / "config.txt")
    os.symlink(outside / "shared", docs / "shared")
    report = kb.ingest([docs], root=docs, rules=everything_public)
    assert sorted(report.failed) == [
        f"{docs / 'config.txt'}: a link leading out of the sources folder (to {outside / '.env'}) is not "
        "followed; copy the file into the folder if it belongs in the knowledge base",
        f"{docs / 'shared'}: a link to a folder leading out of the sources folder (to {outside / 'shared'}) "
        "is not followed; copy the file into the folder if it belongs in the knowledge base",
    ]
    assert kb.store.doc_ids() == {"help"}  # the old copy is gone, for staff too
    for audience in ("customer", "staff"):
        for question in ("SLACK_BOT_TOKEN", "xoxb-CANARY-token-0000", "what is the bot token?"):
            answer = kb.answer(question, audience=audience)  # type: ignore[arg-type]
            assert "CANARY" not in answer.text and all(s.doc_id == "help" for s in answer.sources)


def test_hidden_files_and_folders_are_not_articles(tmp_path: Path) -> None:
    """A review: a notebook's `.ipynb_checkpoints/reset-password-checkpoint.md` was indexed and outranked
    the article it copies; `.git` and `.github` hold Markdown nobody wrote for customers."""
    docs = tmp_path / "docs"
    put(docs, "reset-password.md", "# Reset your password\nUse the link on the sign-in page.\n")
    put(docs, ".ipynb_checkpoints/reset-password-checkpoint.md", "# Reset your password\nOld draft.\n")
    put(docs, ".github/ISSUE_TEMPLATE/bug.md", "# Bug report\nSteps to reproduce.\n")
    put(docs, "guides/.draft.md", "# Draft\nNot ready.\n")
    kb = make_kb(tmp_path)
    report = kb.ingest([docs], root=docs, rules=VisibilityRules(public=("*.md", "**/*.md")))
    assert kb.store.doc_ids() == {"reset-password"} and report.failed == []
    assert any("hidden file(s) or folder(s)" in note for note in report.notes)


def test_a_file_name_in_another_encoding_is_refused_and_the_others_still_ingest(tmp_path: Path) -> None:
    """A review: `caf\xe9.md` (Latin-1 bytes in the name) gave a document id Chroma could not store, and the
    whole ingestion aborted: no article was indexed."""
    docs = tmp_path / "docs"
    put(docs, "fine.md", "# Fine\nA fine article about exports.\n")
    (docs / os.fsdecode(b"caf\xe9.md")).write_text("# Cafe\nCoffee.\n")
    report = make_kb(tmp_path).ingest([docs], root=docs, rules=VisibilityRules(public=("*.md",)))
    assert report.added == 1 and len(report.failed) == 1 and "the file name is not UTF-8" in report.failed[0]


def test_links_inside_the_folder_are_not_followed(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    put(docs, "ops/vault.html", "<p>The vault override code is 4711. CANARY-inside</p>")
    put(docs, "help-centre/vault-basics.md", PUBLIC_DOC)
    os.symlink(docs / "ops/vault.html", docs / "help-centre/vault.html")  # would be public by the rule
    kb = make_kb(tmp_path)
    report = kb.ingest([docs], root=docs, rules=RULES)
    assert not report.failed and kb.store.doc_ids() == {"ops/vault", "help-centre/vault-basics"}
    assert (
        len(report.notes) == 1
        and "help-centre/vault.html: a link inside the sources folder" in report.notes[0]
    )
    assert_no_canary(shown_to_customer(kb, "CANARY-inside"), "CANARY-inside", "help-centre/vault")


def test_a_refused_file_is_withdrawn_from_customers_and_the_others_still_ingest(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    put(docs, "vault.md", fm("edited", "visibility: public") + "# Vault\nThe vault opens at nine.\n")
    put(docs, "help.md", PUBLIC_DOC)
    kb = make_kb(tmp_path)
    kb.ingest([docs])
    put(docs, "vault.md", fm("edited", "Visibility: internal") + body("edited"))
    put(docs, "new.md", "---\nvisibility: public\n---\n# New\nA new article about vault keys.\n")
    report = kb.ingest([docs])
    assert (report.added, report.unchanged, len(report.failed), report.withdrawn) == (1, 1, 1, ["vault"])
    assert "vault" not in kb.store.doc_ids()
    assert_no_canary(shown_to_customer(kb, "CANARY-edited"), "CANARY-edited", "vault")


def test_an_article_made_internal_leaves_customers_before_the_ingest_embeds_it(tmp_path: Path) -> None:
    """A review: the old public copy of an article made internal was answered for 52 s while an ingest
    of 127 changed files embedded its batch. The public copy goes when the file is read."""
    docs = tmp_path / "docs"
    put(docs, "vault.md", fm("flip", "visibility: public") + body("flip"))
    put(docs, "help.md", PUBLIC_DOC)
    kb = make_kb(tmp_path)
    kb.ingest([docs])
    assert "vault" in kb.answer("vault override code", audience="customer").ranking  # public now
    put(docs, "vault.md", fm("flip", "visibility: internal") + body("flip"))
    seen_while_embedding: list[list[Answer]] = []

    class Watching(HashEmbedder):
        def passages(self, texts):  # type: ignore[no-untyped-def]
            seen_while_embedding.append(shown_to_customer(kb, "CANARY-flip"))
            return super().passages(texts)

    kb.embedder = Watching()
    report = kb.ingest([docs])
    assert report.updated == 1 and seen_while_embedding
    for answers in seen_while_embedding:
        assert_no_canary(answers, "CANARY-flip", "vault")
    staff = kb.answer("vault override code", audience="staff")
    assert staff.sources[0].doc_id == "vault"


def test_a_rule_change_reindexes_unchanged_files(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    put(docs, "guide.html", "<h1>Export guide</h1><p>Exports arrive as CSV files.</p>")
    kb = make_kb(tmp_path)
    kb.ingest([docs])
    assert not kb.answer("exports csv", audience="customer").sources
    report = kb.ingest([docs], rules=VisibilityRules(public=("*.html",)))
    assert report.updated == 1 and kb.answer("exports csv", audience="customer").sources[0].doc_id == "guide"


def test_documents_indexed_before_the_fix_are_reported(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    put(docs, "help.md", PUBLIC_DOC)
    kb = make_kb(tmp_path)
    stale = put(tmp_path / "old", "vault.md", fm("old", "visibility: internal") + "# Vault\nOld text.\n")
    doc = documents.load(stale)
    chunks = chunking.split(doc)
    vectors = kb.embedder.embed([c.embed_text for c in chunks] + [doc.title])
    kb.store.write_meta({**kb.store.read_meta(), "engine": kb.embedder.name, "dim": int(vectors.shape[1])})
    kb.store.upsert(chunks, vectors[:-1], "0" * 64, vectors[-1])  # a hash as the old version wrote it
    report = kb.ingest([docs])
    assert report.legacy == ["vault"] and report.missing == ["vault"] and report.gone == []


def test_a_lexical_index_left_behind_is_brought_in_step(tmp_path: Path) -> None:
    """A review: with KB_LEXICAL switched to FTS5, an article deleted and another made internal, then
    switched back, the PostgreSQL index still offered both as public lexical candidates. Each ingestion
    records the vector store's state with both indexes; `deskbot run` and the next ingestion resync."""
    from knowledge import indexes
    from knowledge.lexical import Fts5Index

    docs = tmp_path / "docs"
    put(docs, "vault.md", fm("stale", "visibility: public") + body("stale"))
    put(
        docs, "flamingo.md", "---\nvisibility: public\n---\n# Flamingo\nCANARY-gone flamingo feeding times.\n"
    )
    put(docs, "help.md", PUBLIC_DOC)
    store = VectorStore(path=tmp_path / "chroma")
    first, second = Fts5Index(tmp_path / "first.sqlite3"), Fts5Index(tmp_path / "second.sqlite3")
    KnowledgeBase(store=store, lexical=first, embedder=HashEmbedder()).ingest([docs])
    assert second.is_empty()
    second.write([(list(c), h) for c, h in _lexical_copy(store)])  # the other engine, in step then
    second.set_mirrors(first.mirrors() or "")
    put(docs, "vault.md", fm("stale", "visibility: internal") + body("stale"))
    (docs / "flamingo.md").unlink()
    KnowledgeBase(store=store, lexical=first, embedder=HashEmbedder()).ingest([docs], prune=True)
    assert indexes.out_of_step(store, second) and not indexes.out_of_step(store, first)
    stale = {
        c.doc_id for c, _ in second.search("vault override flamingo feeding", k=10, visibilities=("public",))
    }
    assert {"vault", "flamingo"} <= stale  # what the review saw
    assert indexes.resync(store, second) == (1, 1)
    assert not indexes.out_of_step(store, second)
    found = {
        c.doc_id for c, _ in second.search("vault override flamingo feeding", k=10, visibilities=("public",))
    }
    assert not found & {"vault", "flamingo"}
    assert second.doc_hashes() == first.doc_hashes()


def _lexical_copy(store: VectorStore):  # type: ignore[no-untyped-def]
    """(chunks, hash) of every document in the vector store, as a lexical index holds them."""
    hashes = store.doc_hashes()
    by_doc: dict[str, list] = {}
    for chunk in store.all_chunks():
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    return [(sorted(chunks, key=lambda c: c.position), hashes[d]) for d, chunks in by_doc.items()]


def test_ingesting_a_folder_outside_the_sources_folder_withdraws_nothing_else(tmp_path: Path) -> None:
    """A review: `deskbot kb ingest /tmp/extra` (a folder outside KB_SOURCES, its own base with scope
    "") listed all 32 sample articles as gone and withdrew them from customers."""
    docs, extra = tmp_path / "docs", tmp_path / "extra"
    put(docs, "help.md", PUBLIC_DOC)
    put(docs, "a/two.md", "---\nvisibility: public\n---\n# Two\nAbout exports to CSV.\n")
    put(extra, "faq.md", "---\nvisibility: public\n---\n# FAQ\nOpening hours are nine to five.\n")
    kb = make_kb(tmp_path)
    kb.ingest([docs], root=docs)
    report = kb.ingest([extra], root=docs)
    assert report.added == 1 and report.gone == [] and report.removed == 0
    # and the next plain ingest of KB_SOURCES keeps what came from outside (a third review)
    again = kb.ingest([docs], root=docs)
    assert again.gone == [] and again.missing == ["faq"]
    assert kb.answer("opening hours nine to five", audience="customer").sources[0].doc_id == "faq"
    pruned = kb.ingest([extra], root=docs, prune=True)  # --prune there touches only its own files
    assert pruned.removed == 0 and {"help", "a/two", "faq"} <= kb.store.doc_ids()
    assert kb.answer("exports csv", audience="customer").sources[0].doc_id == "a/two"


def test_a_refusal_in_a_folder_outside_the_sources_folder_withdraws_nothing_inside(tmp_path: Path) -> None:
    """A third review: an outside folder's ids are relative to it, so a link there to
    `KB_SOURCES/export-data.md`, refused as leading out, withdrew the article `export-data` for everyone."""
    docs, links = tmp_path / "docs", tmp_path / "links"
    put(docs, "export-data.md", "---\nvisibility: public\n---\n# Export\nExport your data as CSV files.\n")
    links.mkdir()
    (links / "export-data.md").symlink_to(docs / "export-data.md")
    kb = make_kb(tmp_path)
    kb.ingest([docs], root=docs)
    report = kb.ingest([links], root=docs)
    assert report.failed and report.withdrawn == [] and "leading out" in report.failed[0]
    kept = kb.store.first_chunk("export-data", visibility="public")
    assert kept is not None and "Export your data" in kept.text
