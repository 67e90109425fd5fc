"""Querysets built and compiled once, then run many times with new values.

Django builds a queryset and compiles its SQL anew on every evaluation. On the public pages that
was half of a page's time, several times what the database itself took (issue 11; profile with
bench/public_pages.py). A prepared query builds its queryset once per database, from stand-in
values, keeps the SQL and its parameters, and on each call runs that SQL with the call's values
in place of the stand-ins:

    @prepared(plan_id=int)
    def plan_pillars(plan_id):
        return Pillar.objects.filter(plan_id=plan_id).order_by("number")

    pillars = plan_pillars(plan_id=plan.pk)  # a list of Pillar

A model queryset comes back as model instances (Model.from_db, after each field's converters, as
Django's own iterator makes them), a values_list() queryset as tuples (flat=True:
values). The build function must put every value into the SQL as a parameter and must not branch on
it: a value that does not reach the parameters (a slice bound, a Python `if`) is refused when the
query is prepared. Whatever differs between calls, today's date included, must be one of the
values: anything else the build reads is kept as it was on the first call. select_related and
prefetch_related are refused too (a row makes one model instance, of the model's own fields): join
in Python, or read the related rows with a query of their own.

The one library that did this (django-prepared-queries) supports Django < 2.2 only.
"""

from __future__ import annotations

import datetime
import functools
from collections import namedtuple
from dataclasses import dataclass
from typing import Any, Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.db.models.query import (
    FlatValuesListIterable, ModelIterable, NamedValuesListIterable, ValuesListIterable,
)

# Stand-ins: values no page asks for, inside the range of every column they may meet (a positive
# small integer field takes 0..32767, and Django turns an out-of-range value into an empty query).
_STAND_INS: dict[type, Callable[[int], Any]] = {
    int: lambda n: 32_001 + n,
    str: lambda n: f"\ue000prepared-{n}\ue000",
    datetime.date: lambda n: datetime.date(1001 + n, 1, 1),
}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position in params, name of the value that goes there)
    model: type | None  # a model queryset: its model; a values_list one: None
    names: tuple[str, ...]  # a model queryset: the attribute of each of its fields' columns
    annotations: tuple[tuple[str, int], ...]  # and (name, position) of each annotation's
    flat: bool
    row: Callable | None  # values_list(named=True): the named tuple of a row
    converters: dict  # Django's converters (database values to Python) by column position


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet], kinds: dict[str, type]):
        unknown = {kind for kind in kinds.values() if kind not in _STAND_INS}
        if unknown:
            raise TypeError(f"prepared queries take values of {sorted(t.__name__ for t in _STAND_INS)}, not {unknown}")
        self.build, self.kinds = build, kinds
        self._compiled: dict[str, _Compiled] = {}
        functools.update_wrapper(self, build)

    def queryset(self, **values) -> QuerySet:
        """The queryset itself, built the ordinary way (for tests and for code that needs a QuerySet)."""
        return self.build(**values)

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list:
        if values.keys() != self.kinds.keys():
            raise TypeError(f"{self.build.__name__} takes {sorted(self.kinds)}, was given {sorted(values)}")
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
        connection = connections[using]
        params = [connection.ops.adapt_unknown_value(value) for value in params]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [self._convert(row, compiled.converters, connection) for row in rows]
        if compiled.model is not None:
            return self._instances(compiled, rows, using)
        if compiled.flat:
            return [row[0] for row in rows]
        if compiled.row is not None:
            return [compiled.row._make(row) for row in rows]
        return [tuple(row) for row in rows]

    @staticmethod
    def _instances(compiled: _Compiled, rows, using: str) -> list:
        model, names, annotations = compiled.model, compiled.names, compiled.annotations
        count = len(names)
        if not _plain(model):
            make = functools.partial(model.from_db, using, names)
        else:
            # What Model.from_db leaves after Model.__init__, for a model that changes neither and that no
            # pre_init or post_init receiver watches: the loaded fields in __dict__ (a deferred one is
            # absent, as Django leaves it), and a state that says from which database. __init__'s walk
            # over every field was a fifth of a 200-measure page's time.
            new = model.__new__

            def make(values):
                instance = new(model)
                instance.__dict__.update(zip(names, values))
                state = instance._state = ModelState()
                state.adding, state.db = False, using
                return instance
        if not annotations:
            return [make(row[:count] if len(row) > count else row) for row in rows]
        instances = []
        for row in rows:
            instance = make(row[:count])
            for name, position in annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    @staticmethod
    def _convert(row, converters, connection) -> list:
        row = list(row)
        for position, (functions, expression) in converters.items():
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        return row

    def _compile(self, using: str) -> _Compiled:
        stand_ins = {name: _STAND_INS[kind](n) for n, (name, kind) in enumerate(self.kinds.items())}
        queryset = self.build(**stand_ins)
        if queryset.query.select_related or queryset._prefetch_related_lookups:
            raise ValueError(f"{self.build.__name__}: a prepared query cannot select_related or prefetch_related")
        connection = connections[using]
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        # A stand-in as the database adapter passes it (dates may become text, as on SQLite).
        by_value = {}
        for name, value in stand_ins.items():
            by_value[value] = name
            by_value[connection.ops.adapt_unknown_value(value)] = name
        slots = tuple((position, by_value[param]) for position, param in enumerate(params)
                      if _hashable(param) and param in by_value)
        missing = set(self.kinds) - {name for _, name in slots}
        if missing:
            raise ValueError(f"{self.build.__name__}: {sorted(missing)} did not reach the query's parameters")
        iterable = queryset._iterable_class
        columns = [select[0] for select in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(columns)
        if iterable is ModelIterable:
            fields = compiler.klass_info["select_fields"]
            if fields != list(range(len(fields))):
                raise ValueError(f"{self.build.__name__}: a prepared model query selects the model's fields first")
            # The fields in the order selected, as Model.from_db takes them (deferred ones left out);
            # annotations after them, set as attributes as Django's own iterator sets them.
            model, flat, row = queryset.model, False, None
            names = tuple(columns[position].target.attname for position in fields)
            annotations = tuple(compiler.annotation_col_map.items())
        elif iterable in (ValuesListIterable, FlatValuesListIterable, NamedValuesListIterable):
            model, flat = None, iterable is FlatValuesListIterable
            query = queryset.query
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
            if queryset._fields and names != tuple(queryset._fields):
                # Django reorders such rows after reading them; name the columns in the order it selects them.
                raise ValueError(f"{self.build.__name__}: values_list() must name its columns in the order {names}")
            row = namedtuple("Row", queryset._fields) if iterable is NamedValuesListIterable else None
            names, annotations = (), ()
        else:
            raise ValueError(f"{self.build.__name__}: a prepared query returns models or values_list() rows")
        compiled = _Compiled(sql, tuple(params), slots, model, names, annotations, flat, row, converters)
        self._compiled[using] = compiled
        return compiled


def _plain(model) -> bool:
    """Whether instances of the model may be made without calling Model.__init__ (see _instances)."""
    return (
        model.__init__ is Model.__init__
        and model.from_db.__func__ is Model.from_db.__func__
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
    )


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def prepared(**kinds: type) -> Callable[[Callable[..., QuerySet]], PreparedQuery]:
    """Decorator: the function builds a queryset from values of these kinds (int, str, date), by name."""
    return lambda build: PreparedQuery(build, kinds)
