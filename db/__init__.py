"""Omtanke's conversation log: models, repository, write-behind logger, migrations.

Imports neither `bot` nor `telegram`: the bot depends on this package, not the reverse.
"""

from db.engine import DEFAULT_URL, make_engine, make_sessionmaker
from db.models import Base, Feedback, Question, Reminder, User
from db.pseudonym import SecretRequired, pseudonymise, resolve_secret
from db.records import FeedbackLog, ForgetUser, QuestionLog, Record, UserSeen, new_question_id
from db.writer import LogWriter, WriterStats

__all__ = [
    "DEFAULT_URL",
    "Base",
    "Feedback",
    "FeedbackLog",
    "ForgetUser",
    "LogWriter",
    "Question",
    "QuestionLog",
    "Record",
    "Reminder",
    "SecretRequired",
    "User",
    "UserSeen",
    "WriterStats",
    "make_engine",
    "make_sessionmaker",
    "new_question_id",
    "pseudonymise",
    "resolve_secret",
]
