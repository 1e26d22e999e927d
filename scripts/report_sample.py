#!/usr/bin/env python3
"""Drive `procc run` over the webshop example with a day's worth of made-up
conversations, so `procc report` has a realistic analytics log to show.

Usage: report_sample.py PROCC EVENTS_FILE

The customer's choices are drawn from a seeded generator (the same log every time, up
to the host's timestamps). Inputs within a run are paced by short sleeps, so the
click-to-done times in the log are real, if quick: `procc run` stamps each event with
the host's clock. HTTP is answered by the script (`--host-http`): nothing leaves the
machine.
"""

import json
import random
import subprocess
import sys
import time

CONVERSATIONS = 60


def main() -> None:
    procc, events = sys.argv[1], sys.argv[2]
    rng = random.Random(7)
    run = subprocess.Popen(
        [procc, "run", "examples/webshop", "--host-http", "--events", events],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert run.stdin is not None

    def send(conversation: str, event: str, pause: float = 0.0, **fields) -> None:
        if pause:
            time.sleep(pause)
        run.stdin.write(json.dumps({"conversation": conversation, "event": event, **fields}) + "\n")
        run.stdin.flush()

    def think() -> float:
        return rng.uniform(0.02, 0.12)

    def hand_off(c: str) -> None:
        send(c, "click", think(), procedure="human")
        if rng.random() < 0.8:
            send(c, "result", think(), ok=True)
        else:
            send(c, "cancel", think())

    for n in range(CONVERSATIONS):
        c = f"conv-{n:03}"
        plan = rng.choice(["free", "pro", "pro", "enterprise"])
        send(c, "start", customer={"plan": plan, "country": rng.choice(["NL", "DE", "BE"]),
                                   "orders": rng.randint(0, 14)},
             secrets={"shop_token": "sample-token"})
        scenario = rng.random()
        if scenario < 0.45:
            send(c, "faq", id="faq_refunds")
            choice = rng.random()
            if choice < 0.3:
                send(c, "click", think(), procedure="refund_time")
            elif choice < 0.85:
                send(c, "click", think(), procedure="refund_order")
                send(c, "answer", think(), var="email", value="ann@example.com")
                send(c, "answer", think(), var="order_id",
                     value=rng.choice(["AB123456", "AB123456", "12345"]))
                send(c, "answer", think(), var="order_id", value="AB123456")
                send(c, "answer", think(), var="reason", value=rng.choice(["late", "damaged", "other"]))
                if rng.random() < 0.15:
                    send(c, "approve", think(), granted=False)
                else:
                    send(c, "approve", think(), granted=True)
                    if rng.random() < 0.8:
                        send(c, "result", think(), ok=True, status=200,
                             response={"refund_id": f"R-{n}"})
                    else:
                        send(c, "result", think(), ok=False, status=503)
                        if rng.random() < 0.6:
                            hand_off(c)
        elif scenario < 0.65:
            send(c, "faq", id="faq_delivery")
            if rng.random() < 0.7:
                send(c, "click", think(), procedure="track_order")
                send(c, "answer", think(), var="order_ref", value="CD654321")
                if rng.random() < 0.85:
                    send(c, "result", think(), ok=True, status=200,
                         response={"status": "shipped", "eta": "2030-01-31"})
                else:
                    send(c, "result", think(), ok=False, status=504)
        elif scenario < 0.8:
            send(c, "source", id="src_pricing")
            if rng.random() < 0.6:
                send(c, "click", think(), procedure="see_pricing")
            else:
                send(c, "dismiss", think(), procedure="see_pricing")
        elif scenario < 0.92:
            send(c, "unanswered")
            if rng.random() < 0.5:
                send(c, "click", think(), procedure="billing_help")
            elif rng.random() < 0.6:
                hand_off(c)
        else:
            send(c, "feedback", value="negative")
            hand_off(c)
        send(c, "end")

    run.stdin.close()
    sys.exit(run.wait())


if __name__ == "__main__":
    main()
