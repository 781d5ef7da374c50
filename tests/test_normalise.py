import pytest

from dedup.model import Article
from dedup.normalise import analyse, fold, sentences, tokens


def test_fold_accents_case_and_compatibility_forms():
    assert fold("États") == fold("Etats") == "etats"
    assert fold("ÉLYSÉE") == "elysee"
    assert fold("ﬁnance") == "finance"  # NFKC ligature


def test_elision_with_every_apostrophe():
    for apostrophe in "'’‘ʼ":
        toks = tokens(f"l{apostrophe}Ukraine d{apostrophe}Italie", "fr")
        assert [t.norm for t in toks if not t.elided] == ["ukraine", "italie"]
        assert [t.norm for t in toks if t.elided] == ["l", "d"]


def test_typographic_variants_fold_to_the_same_tokens():
    a = [t.norm for t in tokens("« les États-Unis »\u00a0et l’OTAN", "fr")]
    b = [t.norm for t in tokens('"les Etats-Unis" et l\'Otan', "fr")]
    assert a == b


@pytest.mark.parametrize("text", ["Le 1.5 % et 1 000 euros", "M. Macron à l’Élysée", "a\u00a0b\u202fc"])
def test_token_spans_point_at_original_characters(text):
    for t in tokens(text, "fr"):
        assert fold(text[t.start : t.end]) == t.norm


def test_every_seed_token_and_sentence_maps_back(seed_articles):
    for article in seed_articles.values():
        a = analyse(article)
        for t in a.tokens:
            assert fold(article.text[t.start : t.end]) == t.norm
        for s in a.sentences:
            piece = article.text[s.start : s.end]
            assert piece == piece.strip() and piece
        # Sentences are ordered, disjoint and cover every token.
        for s1, s2 in zip(a.sentences, a.sentences[1:], strict=False):
            assert s1.end <= s2.start
        covered = sum(1 for t in a.tokens if any(s.start <= t.start < s.end for s in a.sentences))
        assert covered == len(a.tokens)


def _split(text):
    return [text[s.start : s.end] for s in sentences(text)]


def test_sentence_splitting_french_typography():
    text = (
        "M. Macron et Mme Dupont ont reçu J. K. Rowling. Le taux est de 1.5 %. "
        "« Nous sommes prêts. C'est le message clé », a dit un conseiller. Fin."
    )
    assert _split(text) == [
        "M. Macron et Mme Dupont ont reçu J. K. Rowling.",
        "Le taux est de 1.5 %.",
        "« Nous sommes prêts. C'est le message clé », a dit un conseiller.",
        "Fin.",
    ]


def test_sentences_glued_at_lost_paragraph_break():
    assert _split("Il pleut sur les Pyrénées.Alors la neige fond.") == [
        "Il pleut sur les Pyrénées.",
        "Alors la neige fond.",
    ]


def test_seed_003_sentences(seed_articles):
    text = seed_articles["003"].text
    found = _split(text)
    assert found[0] == "C’est un pas de plus dans le chemin long et tortueux vers la paix en Ukraine."
    assert found[1].startswith("Jeudi, la « Coalition des volontaires » se réunira à Paris")
    assert found[1].endswith("le Premier ministre britannique.")
    assert any(s.startswith("« On est au terme des travaux techniques") and s.endswith("du dossier.") for s in found)


def test_language_detected_unless_given():
    fr = Article("x", "Les pays européens se retrouvent mardi à Paris pour un sommet sur l'Ukraine.")
    en = Article("y", "European countries meet in Paris on Tuesday for a summit on Ukraine.")
    assert analyse(fr).language == "fr"
    assert analyse(en).language == "en"
    assert analyse(Article("z", en.text, language="de")).language == "de"


def test_stopwords_and_stems_follow_the_language():
    a = analyse(Article("x", "Les sécurités garanties et la sécurité garantie", language="fr"))
    assert {t.norm for t in a.content} == {"securites", "garanties", "securite", "garantie"}
    assert len({t.stem for t in a.content}) == 2


def test_sentence_ends_at_a_closing_guillemet_after_a_space():
    assert _split("« Nous sommes prêts à donner ces garanties. » Selon un conseiller, la réunion aura lieu.") == [
        "« Nous sommes prêts à donner ces garanties. »",
        "Selon un conseiller, la réunion aura lieu.",
    ]
