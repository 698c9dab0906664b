#!/usr/bin/env python3
"""Writes vader_reference.jsonl: random sentences that exercise every VADER rule (lexicon words,
negations, boosters and dampeners, ALL CAPS, "but", "no", "least", idioms, "!" and "?",
emoticons, emoji, unusual whitespace), each with the compound score of the reference
implementation, vaderSentiment 3.3.2 from PyPI:

    pip install vaderSentiment==3.3.2
    python3 consumer/tests/data/vader_reference.py > consumer/tests/data/vader_reference.jsonl

Sentences whose score depends on the reference's "but" quirk (it scales scores it finds by value,
so equal scores can be scaled as if they stood elsewhere; see consumer/src/sentiment.rs) are left
out, so that the file holds only what both implementations mean to compute.
"""
import json
import os
import random

from vaderSentiment import vaderSentiment as vader

COUNT = 500

random.seed(7)
here = os.path.dirname(os.path.abspath(vader.__file__))


def first_column(name):
    with open(os.path.join(here, name), encoding="utf-8") as f:
        return [line.strip().split("\t")[0] for line in f.read().rstrip("\n").split("\n")]


lexicon = [w for w in first_column("vader_lexicon.txt") if " " not in w]
emoji = [e for e in first_column("emoji_utf8_lexicon.txt") if len(e) == 1]
rule_words = (
    "no not never so this without doubt least at very but BUT kind of sort just enough kinda "
    "the bomb shit bad ass bus stop yeah right kiss death to die for beating heart or nor isn't "
    "don't VERY REALLY extremely barely I a is it Not NO But"
).split()
neutral = "today game team people city we are going home coffee #WorldCup @user http://t.co/x RT ok".split()
punctuation = ["", "", "", "!", "!!", "?", "??", "???", "????", ".", ",", "!!!!!", "...", ":)", ":D", ":(", "<3"]


def sentence():
    words = []
    for _ in range(random.randint(1, 14)):
        r = random.random()
        pool = lexicon if r < 0.35 else rule_words if r < 0.7 else neutral if r < 0.85 else emoji
        w = random.choice(pool)
        if random.random() < 0.12:
            w = w.upper()
        if random.random() < 0.2:
            w = w + random.choice(punctuation)
        if random.random() < 0.05:
            w = random.choice(punctuation) + w
        words.append(w)
    sep = " " if random.random() < 0.95 else random.choice(["  ", "\t", "\n", "\u00a0"])
    return sep.join(words)


def intended_but(words, sentiments):
    lower = [w.lower() for w in words]
    if "but" not in lower:
        return sentiments
    b = lower.index("but")
    return [s * 0.5 if i < b else s * 1.5 if i > b else s for i, s in enumerate(sentiments)]


reference = vader.SentimentIntensityAnalyzer()
intended = vader.SentimentIntensityAnalyzer()
intended._but_check = intended_but

seen = set()
while len(seen) < COUNT:
    text = sentence()
    if text in seen:
        continue
    score = reference.polarity_scores(text)["compound"]
    if score != intended.polarity_scores(text)["compound"]:
        continue
    seen.add(text)
    print(json.dumps([text, score], ensure_ascii=False))
