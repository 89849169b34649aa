"""Times `vuhitra chat` against a raw curl request to the same llama.cpp server.

Run by scripts/bench/llm.sh, which builds the release binary and starts the
server. For each prompt the script first sends one warm-up request (so the
server's prompt cache is equally warm for both clients), then runs both
clients in alternating order with the identical request body, and records:

- time to first token: from starting the process to the first byte of answer
  text on its stdout (for curl, the first SSE event with non-empty content);
- total time: from starting the process to its exit.

Process start-up is included on purpose: it is part of what a user waits for.
Usage: llm_timing.py VUHITRA_BINARY URL MODEL PROMPT_FILE MAX_TOKENS
"""

import json
import os
import statistics
import subprocess
import sys
import time


def run_timed(command, env, first_token):
    """Runs COMMAND; returns (first-token ms, total ms, stdout bytes)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env
    )
    output = b""
    first_ms = None
    fd = process.stdout.fileno()
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        output += chunk
        if first_ms is None and first_token(output):
            first_ms = (time.perf_counter() - started) * 1000.0
    process.wait()
    total_ms = (time.perf_counter() - started) * 1000.0
    if process.returncode != 0:
        sys.exit(f"{command[0]} exited with {process.returncode}; output: {output[:500]!r}")
    return first_ms, total_ms, output


def curl_has_content(output):
    """Returns whether the SSE output so far contains an event with non-empty content."""
    for line in output.split(b"\n"):
        if not line.startswith(b"data: {"):
            continue
        try:
            event = json.loads(line[6:])
        except json.JSONDecodeError:
            continue  # the line is not complete yet
        for choice in event.get("choices") or []:
            if (choice.get("delta") or {}).get("content"):
                return True
    return False


def main():
    binary, url, model, prompt_file, max_tokens = sys.argv[1:6]
    max_tokens = int(max_tokens)
    with open(prompt_file, encoding="utf-8") as handle:
        prompts = [line.strip() for line in handle if line.strip()]

    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "OLLAMA_IP": url,
        "LLM_PROVIDER": "openai",
        "MODEL": model,
        "NO_COLOR": "1",
    }

    def vuhitra_command(prompt):
        return [
            binary, "--no-config", "-q", "chat", "--stream",
            "--temperature", "0", "--seed", "1", "--max-tokens", str(max_tokens), prompt,
        ]

    def curl_command(prompt):
        # The same body vuhitra sends (see OpenAiProvider::chat_stream).
        body = json.dumps({
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": 0.0,
            "seed": 1,
            "max_tokens": max_tokens,
        })
        return [
            "curl", "-sS", "-N", "--fail-with-body", f"{url}/v1/chat/completions",
            "-H", "Content-Type: application/json", "-d", body,
        ]

    rows = []
    for index, prompt in enumerate(prompts):
        run_timed(curl_command(prompt), env, curl_has_content)  # warm-up
        clients = [("vuhitra", vuhitra_command, lambda out: len(out) > 0), ("curl", curl_command, curl_has_content)]
        if index % 2 == 1:
            clients.reverse()
        result = {}
        for name, command, first_token in clients:
            first_ms, total_ms, _ = run_timed(command(prompt), env, first_token)
            result[name] = (first_ms, total_ms)
        rows.append(result)
        v_first, v_total = result["vuhitra"]
        c_first, c_total = result["curl"]
        print(
            f"{index + 1:>2}  ttft vuhitra {v_first:8.1f} ms  curl {c_first:8.1f} ms  diff {v_first - c_first:+7.1f} ms"
            f"   total vuhitra {v_total:8.1f} ms  curl {c_total:8.1f} ms  diff {v_total - c_total:+7.1f} ms"
        )

    def summary(label, values):
        print(f"{label:<28} mean {statistics.mean(values):8.1f} ms   median {statistics.median(values):8.1f} ms")

    print()
    summary("ttft vuhitra", [row["vuhitra"][0] for row in rows])
    summary("ttft curl", [row["curl"][0] for row in rows])
    summary("ttft added by vuhitra", [row["vuhitra"][0] - row["curl"][0] for row in rows])
    summary("total vuhitra", [row["vuhitra"][1] for row in rows])
    summary("total curl", [row["curl"][1] for row in rows])
    summary("total added by vuhitra", [row["vuhitra"][1] - row["curl"][1] for row in rows])
    added = statistics.median([row["vuhitra"][0] - row["curl"][0] for row in rows])
    verdict = "met" if added < 5.0 else "NOT met"
    print(f"\ntarget: vuhitra adds under 5 ms to time to first token (median {added:+.1f} ms): {verdict}")


if __name__ == "__main__":
    main()
