"""Made-up data the simulated services start with (one generator for all of them)."""

from __future__ import annotations

import random
from collections.abc import Container

MESSAGES = [
    "Show me Cyber Monday deals!",
    "Show me Cyber Tuesday deals!",
    "Tell me more about your production workshop",
    "Tell me more about your event planning packages",
    "Hi! I'm interested in your products. Can you help me?",
    "I'd like to book a table for {n} tonight",
    "Where is my order #{order}?",
    "Is the {item} still in stock?",
    "I want to return an item from order #{order}",
    "What are your opening hours this weekend?",
    "Please send me the {item} catalogue",
    "I have a question about my invoice #{order}",
    "Book me a demo of the {item}",
    "Do you deliver to postcode {n}0{n}?",
    "Sign me up for the loyalty programme",
    "I'd like to change my delivery address",
    "Can I pay for the {item} in instalments?",
    "Hello! I saw your ad for the {item}",
    "Support request: my {item} will not turn on",
    "Reserve {n} tickets for Saturday's show, please",
]
ITEMS = ["espresso machine", "rain jacket", "standing desk", "gift card", "yoga mat", "headphones", "city bike"]
GRAPH_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CAMS_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def message(rng: random.Random) -> str:
    """A prefilled message such as a shop would print on a poster."""
    return rng.choice(MESSAGES).format(n=rng.randint(2, 9), order=rng.randint(10000, 99999), item=rng.choice(ITEMS))


def new_code(rng: random.Random, taken: Container[str], alphabet: str = GRAPH_ALPHABET) -> str:
    """A 14-character code not in `taken` (real codes end in a digit such as 1)."""
    while True:
        code = "".join(rng.choice(alphabet) for _ in range(13)) + "1"
        if code not in taken:
            return code
