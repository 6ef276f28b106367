"""A local fake OpenAI-compatible server over real HTTP: scripted answers, recorded requests."""

from __future__ import annotations

import json
import threading
import time
from collections import deque

from flask import Flask, Response, request
from werkzeug.serving import make_server


def reply(text: str, status: str = "answer") -> dict:
    """A scripted step: a well-formed JSON answer."""
    return {"content": json.dumps({"reply": text, "status": status}, ensure_ascii=False)}


class FakeLlm:
    """Serves /v1/chat/completions; each request takes the next scripted step.

    Steps: {"content": str} (the message content), {"http": 500}, {"sleep": seconds, ...},
    {"raw": "bytes that are not JSON"}, or a callable(body) -> step.
    """

    def __init__(self, port: int = 0):
        self.requests: list[dict] = []
        self.script: deque = deque()
        self.default = reply("Здравствуйте! Чем могу помочь?")
        self.app = Flask("fake_llm")
        self.app.add_url_rule("/v1/chat/completions", view_func=self._complete, methods=["POST"])
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def then(self, *steps) -> FakeLlm:
        self.script.extend(steps)
        return self

    def _complete(self):
        body = request.get_json(force=True, silent=True)
        self.requests.append({"body": body, "headers": dict(request.headers)})
        step = self.script.popleft() if self.script else self.default
        if callable(step):
            step = step(body)
        if step.get("sleep"):
            time.sleep(step["sleep"])
        if step.get("http"):
            return Response(
                '{"error": {"message": "boom"}}', step["http"], mimetype="application/json"
            )
        if "raw" in step:
            return Response(step["raw"], 200, mimetype="application/json")
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": body.get("model") if isinstance(body, dict) else "fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": step["content"]},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
        }

    # -- reading what was asked ----------------------------------------------------------
    def prompt(self, i: int = -1) -> str:
        """Every message content of request `i`, joined."""
        return "\n".join(m["content"] for m in self.requests[i]["body"]["messages"])

    def system(self, i: int = -1) -> str:
        return self.requests[i]["body"]["messages"][0]["content"]

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)


def _demo_answer(body: dict) -> dict:
    """For `make run`: answer with the first knowledge entry the prompt carried, if any."""
    system = body["messages"][0]["content"]
    knowledge = system.split("KNOWLEDGE:\n", 1)[-1].split("\n\n", 1)[0]
    answers = [line[3:] for line in knowledge.splitlines() if line.startswith(("A: ", "Text: "))]
    if not answers:
        return reply("", "unsure")
    return reply(answers[0])


if __name__ == "__main__":
    import sys

    fake = FakeLlm(int(sys.argv[1]) if len(sys.argv) > 1 else 8089)
    fake.default = _demo_answer
    print(f"fake OpenAI-compatible server at {fake.url}/v1 (Ctrl-C stops it)")
    try:
        fake.thread.join()
    except KeyboardInterrupt:
        fake.stop()
