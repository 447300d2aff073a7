#!/usr/bin/env python3
"""validate_schemas.py: checks bones' JSON outputs against schemas/ (Draft 2020-12).

  validate_schemas.py --schemas DIR [--sources DIR]... [--coverage]
                      [--raw-ref FILE#POINTER RAWFILE...]... [--] OUTPUT...
  validate_schemas.py --schemas DIR --self-check

Each OUTPUT file holds one JSON document per line (a --json result, an error
envelope, or JSON Lines such as `tasks export`).  A document is validated
against the schema its "schema" field names: "bones.X/v1" -> DIR/bones.X.v1.json
(the naming rule of docs/schemas.md).  A document without a "schema" field is
an error, except in the files given after --raw-ref REF, which are validated
against REF (e.g. 'bones.logs.v1.json#/$defs/entry' for `logs -f --json`).
Every $ref resolves from DIR only (a local store keyed by each file's $id and
file name): nothing is fetched from the network.

--optional FILE: a schema file coverage does not ask for (a feature this
build lacks, e.g. the live page without libmicrohttpd).
--coverage: every schema name "bones.X/v1" emitted in the C sources under the
--sources dirs (bones_ctx_emit(ctx, "X", ...) and literal "bones.X/v1"
strings) must have a schema file, and every schema file (but envelope.json)
must have been used by at least one document.  Exit 0 when all is well, 1
otherwise (each problem on stdout), 2 on bad usage.
--self-check: deliberately wrong documents must be rejected, and a few right
ones accepted (proves the schemas are not accept-anything).
"""
import json
import os
import re
import sys

import jsonschema

try:  # jsonschema >= 4.18: the referencing library
    import referencing
    import referencing.jsonschema
except ImportError:  # Debian's 4.10: RefResolver with a store
    referencing = None

ENVELOPE = ("envelope.json", "common.json")


def load_schemas(folder):
    """{file name: schema} of every *.json in folder."""
    out = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                out[name] = json.load(f)
    return out


def file_for(schema_name):
    """bones.tasks.show/v1 -> bones.tasks.show.v1.json (None if not a bones name)."""
    m = re.fullmatch(r"(bones\.[a-z0-9][a-z0-9.-]*)/(v[0-9]+)", schema_name or "")
    return f"{m.group(1)}.{m.group(2)}.json" if m else None


def refuse_fetch(uri):
    """A $ref outside the local store is an error, never a download."""
    raise jsonschema.RefResolutionError(f"{uri} is not in the schema folder (nothing is fetched)")


class Validators:
    """Draft 2020-12 validators over the local store of schemas."""

    def __init__(self, schemas):
        self.schemas = schemas
        for name, s in schemas.items():
            jsonschema.Draft202012Validator.check_schema(s)
            if s.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
                raise SystemExit(f"{name}: $schema is not Draft 2020-12")
            if not s.get("$id", "").endswith("/" + name):
                raise SystemExit(f"{name}: $id must end with /{name}")
        if referencing is not None:
            resources = [(s["$id"], referencing.jsonschema.DRAFT202012.create_resource(s)) for s in schemas.values()]
            self.registry = referencing.Registry().with_resources(resources)
        else:
            self.store = {s["$id"]: s for s in schemas.values()}

    def validator(self, schema):
        if referencing is not None:
            return jsonschema.Draft202012Validator(schema, registry=self.registry)
        resolver = jsonschema.RefResolver(schema.get("$id", ""), schema, store=self.store,
                                          handlers={"http": refuse_fetch, "https": refuse_fetch})
        return jsonschema.Draft202012Validator(schema, resolver=resolver)

    def errors(self, doc, name, pointer=None):
        """The error messages of doc against schema file name (optionally at #pointer)."""
        schema = self.schemas[name]
        if pointer:
            schema = {"$schema": schema["$schema"], "$ref": schema["$id"] + "#" + pointer}
        v = self.validator(schema)
        try:
            return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in v.iter_errors(doc)]
        except Exception as e:  # an unresolvable $ref (RefResolutionError, referencing's Unresolvable)
            return [f"(schema) {type(e).__name__}: {e}"]


def documents(path):
    """(line number, document) of each non-empty line of path."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                yield n, json.loads(line)


def source_names(dirs):
    """Every bones.X/v1 name the C sources under dirs emit."""
    names = set()
    emit = re.compile(r'bones_ctx_emit\(\s*[a-z_>-]+\s*,\s*"([a-z0-9.-]+)"')
    literal = re.compile(r'"(bones\.[a-z0-9][a-z0-9.-]*/v[0-9]+)"')
    quoted = re.compile(r'"([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+)"')
    for d in dirs:
        for root, _, files in os.walk(d):
            for fn in files:
                if not fn.endswith(".c"):
                    continue
                text = open(os.path.join(root, fn), encoding="utf-8", errors="replace").read()
                names.update(f"bones.{m}/v1" for m in emit.findall(text))
                names.update(literal.findall(text))
                # names passed through a variable (tasks_emit_task, say_wave, schemas[] tables)
                for m in re.finditer(r"(tasks_emit_task|say_wave)\(\s*ctx\s*,\s*\"([a-z0-9.-]+)\"", text):
                    names.add(f"bones.{m.group(2)}/v1")
                for m in re.finditer(r"schemas\[\]\s*=\s*\{([^}]*)\}", text):
                    names.update(f"bones.{q}/v1" for q in quoted.findall(m.group(1)))
                for m in re.finditer(r'bones_ctx_emit\(\s*ctx\s*,\s*[a-z_]+\s*\?\s*"([a-z0-9.-]+)"\s*:\s*"([a-z0-9.-]+)"', text):
                    names.update({f"bones.{m.group(1)}/v1", f"bones.{m.group(2)}/v1"})
    return names


def refs_closure(schemas, used):
    """used plus every schema file reached from it by $ref (the file part of each ref)."""
    todo, seen = list(used), set(used)
    while todo:
        stack = [schemas.get(todo.pop(), {})]
        while stack:
            x = stack.pop()
            if isinstance(x, dict):
                ref = x.get("$ref")
                if isinstance(ref, str) and ref.split("#")[0] in schemas and ref.split("#")[0] not in seen:
                    seen.add(ref.split("#")[0])
                    todo.append(ref.split("#")[0])
                stack += list(x.values())
            elif isinstance(x, list):
                stack += x
    return seen


def mutations(v, firsts):
    """Proves each verb schema constrains data: for the first valid result
    of each, data {} must be rejected, and so must the document with its
    data's members turned into a wrong type one at a time."""
    problems, tried = [], 0
    for fname, doc in sorted(firsts.items()):
        tried += 1 + len(doc["data"])
        if not v.errors(dict(doc, data={}), fname):
            problems.append(f"mutation: {fname} accepts data {{}}")
        for key, value in doc["data"].items():
            wrong = {"wrong": True} if not isinstance(value, dict) else "wrong"
            if not v.errors(dict(doc, data=dict(doc["data"], **{key: wrong})), fname):
                problems.append(f"mutation: {fname} accepts data.{key} = {json.dumps(wrong)}")
    print(f"mutations: {tried} wrong variants of {len(firsts)} real results tried, {len(problems)} accepted")
    return problems


def validate(args):
    schemas = load_schemas(args["schemas"])
    v = Validators(schemas)
    problems, used, count, firsts = [], set(), 0, {}
    for ref, files in args["raw"]:
        name, _, pointer = ref.partition("#")
        for path in files:
            for n, doc in documents(path):
                count += 1
                used.add(name)
                problems += [f"{path}:{n}: {ref}: {e}" for e in v.errors(doc, name, pointer or None)]
    for path in args["outputs"]:
        for n, doc in documents(path):
            count += 1
            sname = doc.get("schema") if isinstance(doc, dict) else None
            fname = file_for(sname)
            if fname is None or fname not in schemas:
                problems.append(f"{path}:{n}: no schema file for {sname!r}")
                continue
            used.add(fname)
            errs = v.errors(doc, fname)
            problems += [f"{path}:{n}: {sname}: {e}" for e in errs]
            if not errs and isinstance(doc.get("data"), dict) and fname not in firsts:
                firsts[fname] = doc
    problems += mutations(v, firsts)
    used = refs_closure(schemas, used)  # a record schema $ref'd by a used one (bones.session/v1 in swarm.join)
    if args["coverage"]:
        for sname in sorted(source_names(args["sources"])):
            if file_for(sname) not in schemas:
                problems.append(f"coverage: {sname} is emitted by the sources but has no schema file")
        for fname in sorted(schemas):
            if fname not in ENVELOPE and fname not in used and fname not in args["optional"]:
                problems.append(f"coverage: {fname} was not exercised by any output")
    print(f"{count} documents, {len(used)} of {len(schemas)} schema files used, {len(problems)} problems")
    for p in problems:
        print(p)
    return 1 if problems else 0


def self_check(folder):
    v = Validators(load_schemas(folder))
    ok_err = {"schema": "bones.error/v1", "error": {"code": "not_found", "exit": 3, "message": "no task t-x"}}
    good = [
        (ok_err, "bones.error.v1.json"),
        (dict(ok_err, error=dict(ok_err["error"], hint="try this", files=["a.txt"])), "bones.error.v1.json"),
        ({"schema": "bones.kv.delete/v1", "data": {"bucket": "b", "key": "k", "deleted": True}}, None),
    ]
    bad = [
        ({"schema": "bones.error/v1", "error": {"code": "not_found", "exit": 3, "message": "x", "hint": ""}},
         "bones.error.v1.json", "an empty hint"),
        ({"schema": "bones.error/v1", "error": {"code": "not_found", "exit": "3", "message": "x"}},
         "bones.error.v1.json", "exit as a string"),
        ({"schema": "bones.error/v1", "error": {"code": "nope", "exit": 3, "message": "x"}},
         "bones.error.v1.json", "an unknown code"),
        ({"schema": "bones.error/v1", "error": {"code": "conflict", "exit": 4, "message": "x", "files": "a.txt"}},
         "bones.error.v1.json", "files as a string"),
        ({"schema": "bones.error/v1", "ok": True, "error": {"code": "usage", "exit": 2, "message": "x"}},
         "bones.error.v1.json", "an extra envelope field"),
        ({"schema": "bones.version/v1", "data": {"version": "1.0", "backends": "sqlite nats"}},
         "bones.version.v1.json", "backends as one string"),
        ({"schema": "bones.tasks.show/v1", "data": {"task": {"id": "t-1", "status": "sleeping"}}},
         "bones.tasks.show.v1.json", "a task in an unknown state"),
        ({"schema": "bones.tasks.show/v1", "data": None}, "bones.tasks.show.v1.json", "data null"),
        ({"schema": "bones.tasks.list/v1", "data": {"tasks": [{}]}}, "bones.tasks.list.v1.json", "an empty task"),
        ({"schema": "bones.kv.get/v1", "data": {}}, "bones.kv.get.v1.json", "a kv.get without its fields"),
        ({"schema": "bones.who/v1", "data": {"agents": 3}}, "bones.who.v1.json", "agents not an array"),
        ({"schema": "bones.swarm.join/v1", "data": {"session": {"slot": 1}}}, "bones.swarm.join.v1.json",
         "a session with a numeric slot"),
    ]
    problems = []
    if file_for("bones.nope/v1") in v.schemas or file_for("bones.tasks.show") is not None:
        problems.append("self-check: the name rule maps a wrong schema name to a file")
    for doc, name in good:
        name = name or file_for(doc["schema"])
        if name in v.schemas:
            errs = v.errors(doc, name)
            if errs:
                problems.append(f"self-check: a right {name} document was rejected: {errs[:2]}")
    for doc, name, why in bad:
        if name not in v.schemas:
            problems.append(f"self-check: missing {name}")
            continue
        if not v.errors(doc, name):
            problems.append(f"self-check: {name} accepted {why}")
    print(f"self-check: {len(good)} right and {len(bad)} wrong documents, {len(problems)} problems")
    for p in problems:
        print(p)
    return 1 if problems else 0


def main(argv):
    args = {"schemas": None, "sources": [], "coverage": False, "raw": [], "outputs": [], "optional": []}
    i, check = 0, False
    while i < len(argv):
        a = argv[i]
        if a == "--schemas" and i + 1 < len(argv):
            args["schemas"] = argv[i + 1]
            i += 2
        elif a == "--sources" and i + 1 < len(argv):
            args["sources"].append(argv[i + 1])
            i += 2
        elif a == "--coverage":
            args["coverage"], i = True, i + 1
        elif a == "--optional" and i + 1 < len(argv):
            args["optional"].append(argv[i + 1])
            i += 2
        elif a == "--self-check":
            check, i = True, i + 1
        elif a == "--raw-ref" and i + 1 < len(argv):
            ref, files, i = argv[i + 1], [], i + 2
            while i < len(argv) and not argv[i].startswith("--"):
                files.append(argv[i])
                i += 1
            args["raw"].append((ref, files))
        elif a == "--":
            args["outputs"] += argv[i + 1:]
            break
        elif a.startswith("--"):
            print(f"validate_schemas.py: unknown option {a}", file=sys.stderr)
            return 2
        else:
            args["outputs"].append(a)
            i += 1
    if not args["schemas"]:
        print(__doc__, file=sys.stderr)
        return 2
    return self_check(args["schemas"]) if check else validate(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
