"""Writes the golden tool-builder JSON that pkg/infsh's tool builder must equal.

Run with the official SDK installed (pip install inferencesh==0.36.0):

    python pkg/infsh/testdata/tools/gen_golden.py

Each case below has a twin in pkg/infsh/tools_test.go (same name, same definition built
with the Go builder). The files are written next to this script as <case>.json.
"""

import json
import os
import sys

import inferencesh
from inferencesh.tools import (
    agent_tool,
    app_tool,
    array,
    boolean,
    enum_of,
    integer,
    internal_tools,
    number,
    obj,
    optional,
    string,
    tool,
    webhook_tool,
)

CASES = {
    "client_empty": lambda: tool("my_tool").build(),
    "client_add": lambda: tool("add")
    .describe("Add two numbers")
    .param("a", number("First number"))
    .param("b", number("Second number"))
    .build(),
    "client_all_types": lambda: tool("search")
    .display_name("Search the web")
    .describe("Search for documents")
    .param("query", string("What to look for"))
    .param("limit", optional(integer("Most results")))
    .param("exact", optional(boolean()))
    .param("mode", enum_of(["fast", "deep"], "How hard to look"))
    .param("tags", array(string(), "Tags to match"))
    .param("filters", obj({"lang": string("Language"), "year": optional(integer())}, "Filters"))
    .param("loose", array(optional(string())))
    .param("deep", optional(obj({"inner": obj({"x": number()}), "maybe": optional(boolean("Flag"))})))
    .param("score", number())
    .require_approval()
    .build(),
    "app_basic": lambda: app_tool("generate", "infsh/flux@abc123").describe("Generate an image").build(),
    "app_full": lambda: app_tool("generate", "infsh/flux@abc123")
    .display_name("Image generator")
    .describe("Generate an image")
    .function("run")
    .session_enabled()
    .setup({"model": "schnell"})
    .input({"steps": 4})
    .param("ignored", string("app tools send no schema"))
    .require_approval()
    .build(),
    "agent_tool": lambda: agent_tool("researcher", "my-org/researcher@v1").describe("Research a topic").build(),
    "webhook_secret": lambda: webhook_tool("notify", "https://hooks.example.com/notify")
    .describe("Send a notification")
    .param("message", string("Message"))
    .param("urgent", optional(boolean()))
    .secret("HOOK_SECRET")
    .build(),
    "webhook_plain": lambda: webhook_tool("ping", "https://hooks.example.com/ping").build(),
    # A parameter added again replaces the first one in its place (a dict).
    "client_repeated_param": lambda: tool("again")
    .param("a", string("first"))
    .param("b", number())
    .param("a", integer("second"))
    .param("o", obj({"x": string(), "y": boolean(), "x": number("last x")}))  # noqa: F601
    .build(),
    "agent_full": lambda: agent_tool("researcher", "my-org/researcher@v1")
    .display_name("Researcher")
    .describe("Research a topic")
    .require_approval()
    .build(),
    "webhook_full": lambda: webhook_tool("notify", "https://hooks.example.com/notify")
    .display_name("Notifier")
    .param("to", enum_of(["ops", "dev"]))
    .require_approval()
    .build(),
    "internal_all": lambda: internal_tools().all().build(),
    "internal_none": lambda: internal_tools().none().build(),
    "internal_mixed": lambda: internal_tools().plan().memory(False).finish().skills().build(),
    # Every switch, one set twice (the last value counts).
    "internal_every": lambda: internal_tools()
    .meta().artifact(False).agent().remote(False).knowledge().widget().plan(False).plan()
    .build(),
}


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    for name, build in CASES.items():
        with open(os.path.join(here, name + ".json"), "w") as f:
            json.dump(build(), f, indent=2)
            f.write("\n")
    print(f"wrote {len(CASES)} cases with inferencesh {inferencesh.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
