"""Deterministic demo data: three professional accounts and their world."""

from __future__ import annotations

import random

from app.instagram.sandbox.state import (
    Account,
    Comment,
    Conversation,
    Customer,
    Media,
    Message,
    SandboxState,
)

ACCOUNTS = (
    # ig_id, app-scoped id, username, name, type, bio, followers, follows, media
    (
        "17841400000000001",
        "9731000000000001",
        "aruzhan.coffee",
        "Аружан Кофе",
        "Business",
        "Кофейня в Алматы ☕ Жаңа дәмдер күн сайын",
        1840,
        312,
        24,
    ),
    (
        "17841400000000002",
        "9731000000000002",
        "dauren.photo",
        "Даурен Сейтказы",
        "Media_Creator",
        "Фотограф · Астана · съёмки и портреты",
        5230,
        488,
        6,
    ),
    (
        "17841400000000003",
        "9731000000000003",
        "tomiris.bakery",
        "Томирис Наубайхана",
        "Business",
        "Пекарня: бауырсаки, самса, торты на заказ",
        960,
        150,
        4,
    ),
)
CUSTOMERS = (
    ("6100000000000001", "aigerim_k", "Айгерим К."),
    ("6100000000000002", "timur.s", "Тимур Сапаров"),
    ("6100000000000003", "olga.almaty", "Ольга"),
    ("6100000000000004", "nurlan_88", "Нурлан"),
)
CAPTIONS = (
    "Таңғы кофе дайын! ☕ #almaty #coffee",
    "Новое меню на осень 🍂",
    "Бүгін бізде жаңа десерт 🍰",
    "Спасибо, что вы с нами! #kezek",
    "Раф с лавандой — хит недели",
    "Демалыс күні 10:00-ден ашықпыз",
)
COMMENTS = (
    "Керемет! 😍",
    "Сколько стоит?",
    "Где вы находитесь?",
    "Очень вкусно!",
    "Рахмет!",
    "А доставка есть?",
    "Класс 👍",
)
REPLIES = ("Рахмет! ❤️", "Пишите в директ 🙌", "Ждём вас!")
DMS = (
    "Сәлеметсіз бе! Можно заказать торт на субботу?",
    "Здравствуйте, вы работаете сегодня?",
    "Сколько стоит доставка до Медеу?",
)


def seed_state(state: SandboxState) -> None:
    """Fill `state` with demo data derived only from config["seed"]."""
    rng = random.Random(state.config["seed"])
    now = state.now()
    for ig_id, app_id, username, name, kind, bio, fans, follows, _ in ACCOUNTS:
        state.accounts[ig_id] = Account(
            ig_id, app_id, username, name, kind, bio, fans, follows, state.day(now) - 30
        )
    for n in range(1, int(state.config.get("extra_accounts") or 0) + 1):
        ig_id = f"1784140000000{1000 + n:04d}"
        state.accounts[ig_id] = Account(
            ig_id,
            f"973100000{1000 + n:07d}",
            f"bench.account{n}",
            f"Bench {n}",
            "Business",
            "",
            100,
            10,
            state.day(now) - 30,
        )
    for igsid, username, name in CUSTOMERS:
        state.customers[igsid] = Customer(igsid, username, name)
    for ig_id, *_, media_total in ACCOUNTS:
        for index in range(media_total):
            _seed_media(state, rng, ig_id, index, now - (index + 1) * 36 * 3600)
        _seed_conversations(state, rng, ig_id, now)


def _seed_media(state: SandboxState, rng: random.Random, ig_id: str, index: int, ts: float) -> None:
    media_id = state.next_id()
    # One carousel and one reel among the newest posts so every type is near page 1.
    kind = {1: "CAROUSEL_ALBUM", 2: "VIDEO"}.get(index % 7, "IMAGE")
    media = Media(
        id=media_id,
        owner=ig_id,
        media_type=kind,
        product_type="REELS" if kind == "VIDEO" else "FEED",
        caption=rng.choice(CAPTIONS),
        media_url=f"/_cdn/{media_id}.jpg",
        timestamp=ts,
        like_count=rng.randint(5, 400),
        shortcode=f"SBX{media_id[-8:]}",
        reach=rng.randint(200, 5000),
        views=rng.randint(300, 9000),
        saved=rng.randint(0, 40),
        shares=rng.randint(0, 30),
    )
    if kind == "VIDEO":
        media.media_url = f"/_cdn/{media_id}.mp4"
        media.thumbnail_url = f"/_cdn/{media_id}.jpg"
    state.media[media_id] = media
    if kind == "CAROUSEL_ALBUM":
        for _ in range(3):
            child_id = state.next_id()
            state.media[child_id] = Media(
                id=child_id,
                owner=ig_id,
                media_type="IMAGE",
                product_type="FEED",
                caption=None,
                media_url=f"/_cdn/{child_id}.jpg",
                timestamp=ts,
                like_count=0,
                shortcode="",
                is_child=True,
            )
            media.children.append(child_id)
    customers = list(state.customers.values())
    for n in range(rng.randint(1, 4) if index < 10 else rng.randint(0, 2)):
        who = rng.choice(customers)
        comment = Comment(
            id=state.next_id(),
            media_id=media_id,
            author_id=who.igsid,
            username=who.username,
            text=rng.choice(COMMENTS),
            timestamp=ts + (n + 1) * 1800,
            like_count=rng.randint(0, 9),
        )
        state.comments[comment.id] = comment
        if rng.random() < 0.4:
            owner = state.accounts[ig_id]
            reply = Comment(
                id=state.next_id(),
                media_id=media_id,
                author_id=ig_id,
                username=owner.username,
                text=rng.choice(REPLIES),
                timestamp=comment.timestamp + 600,
                parent_id=comment.id,
            )
            state.comments[reply.id] = reply


def _seed_conversations(state: SandboxState, rng: random.Random, ig_id: str, now: float) -> None:
    # The first thread is fresh (24 h window open); the second is 3 days old.
    for n, customer in enumerate(list(state.customers.values())[:2]):
        conv = Conversation(
            id=f"aWdfVGhyZWFk{ig_id[-3:]}{n}", ig_id=ig_id, customer_id=customer.igsid
        )
        state.conversations[conv.id] = conv
        start = now - (2 * 3600 if n == 0 else 3 * 86400)
        for k in range(3):
            from_customer = k % 2 == 0
            msg = Message(
                id=f"aWdfZAG{state.next_id()}",
                conversation_id=conv.id,
                sender_id=customer.igsid if from_customer else ig_id,
                recipient_id=ig_id if from_customer else customer.igsid,
                text=rng.choice(DMS) if from_customer else rng.choice(REPLIES),
                created=start + k * 300,
            )
            state.messages[msg.id] = msg
            conv.message_ids.append(msg.id)
            conv.updated = msg.created
            if from_customer:
                conv.last_customer_message = msg.created
