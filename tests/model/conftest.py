"""A tiny synthetic labelled corpus (written here, for the project) and one model trained on it."""

from __future__ import annotations

import random
from email.message import EmailMessage
from pathlib import Path

import pytest

from rempart.model.learner import TrainSettings
from rempart.model.train import TrainResult, train

PHISH_OPENERS = ["Urgent", "Final notice", "Security alert", "Action required", "Account suspended", "Verify now"]
PHISH_ASKS = ["verify your password", "confirm your login details", "update your payment card",
              "unlock your mailbox", "validate your credentials", "restore access to your account"]
PHISH_PRESSURE = ["within 24 hours", "today or lose access", "immediately", "before midnight",
                  "or your account will be closed", "to avoid suspension"]
HAM_TOPICS = ["quarterly planning", "kernel patch review", "team lunch", "release notes", "conference travel",
              "budget spreadsheet"]
HAM_BODIES = ["I pushed the changes we discussed", "the minutes are in the shared folder",
              "can we move the call to Thursday", "thanks for the review comments",
              "the build is green again", "I attached nothing, just a reminder"]
HAM_CLOSERS = ["Cheers", "Best regards", "Thanks", "See you", "Talk soon", "Regards"]


def _message(sender: str, subject: str, body: str) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "alice@example.com"
    m["Subject"] = subject
    m.set_content(body)
    return bytes(m)


def write_corpus(folder: Path, n: int = 24, seed: int = 7) -> Path:
    """``n`` phishing and ``n`` legitimate messages plus one spam and one guard row; returns labels.csv."""
    rng = random.Random(seed)
    (folder / "mail").mkdir(parents=True, exist_ok=True)
    rows = ["split,label,path,source"]
    for i in range(n):
        opener, ask, pressure = rng.choice(PHISH_OPENERS), rng.choice(PHISH_ASKS), rng.choice(PHISH_PRESSURE)
        body = (f"Dear customer,\n{opener}: please {ask} {pressure} at "
                f"http://login-{i}.secure-verify.top/account?id={i}\nSupport team {rng.choice(HAM_CLOSERS)} {i}"
                f" {' '.join(rng.sample(PHISH_ASKS, 2))}\n")
        (folder / "mail" / f"phish{i}.eml").write_bytes(_message("Support <help@secure-verify.top>", opener, body))
        rows.append(f"dev,{'phish' if i % 2 else 'ai_phish'},mail/phish{i}.eml,{'pot' if i % 3 else 'study'}")
        topic = rng.choice(HAM_TOPICS)
        body = (f"Hi Alice,\n{rng.choice(HAM_BODIES)} about the {topic}. {' '.join(rng.sample(HAM_BODIES, 2))}.\n"
                f"{rng.choice(HAM_CLOSERS)},\nBob {i}\n")
        (folder / "mail" / f"ham{i}.eml").write_bytes(_message("Bob <bob@example.org>", f"Re: {topic}", body))
        rows.append(f"dev,{'ham' if i % 2 else 'ai_ham'},mail/ham{i}.eml,{'list' if i % 3 else 'study_legit'}")
    (folder / "mail" / "spam0.eml").write_bytes(_message("Shop <deals@shop.example>", "Sale", "Buy cheap now"))
    rows.append("dev,spam,mail/spam0.eml,spam")
    rows.append("guard,ham,mail/does-not-exist.eml,guard")  # never read: held-out splits are skipped
    labels = folder / "labels.csv"
    labels.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return labels


FAST = TrainSettings(seed=3, calibration_folds=3, max_iter=100)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def trained(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    return train([corpus], tmp_path_factory.mktemp("model"), settings=FAST)
