"""Lessons as data: each file in resources/lessons is checked against the schema, and every claim
it makes about what the class will see is checked by playing it through the engine."""
from .schema import Lesson, LessonError, load_lesson, load_lessons
from .runner import check_lesson, play_step

__all__ = ["Lesson", "LessonError", "check_lesson", "load_lesson", "load_lessons", "play_step"]
