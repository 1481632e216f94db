"""What each message says: Chinese (as an SMS template would) and English
(for the push notification's second line). `params` are the template's
fields, every value a string (the providers' template parameters are)."""

from __future__ import annotations

TITLES = {
    "code": ("验证码", "Verification code"),
    "confirmed": ("预约成功", "Booking confirmed"),
    "reminder": ("预约提醒", "Booking reminder"),
    "three_ahead": ("即将到号", "Nearly your turn"),
    "called": ("请到窗口办理", "Your number is called"),
    "missed": ("已过号", "Missed"),
}

TEXTS = {
    "code": (
        "您的验证码为{code}，{minutes}分钟内有效，请勿告诉他人。",
        "Your verification code is {code}, valid for {minutes} minutes. Do not share it.",
    ),
    "confirmed": (
        "您已预约{site}{type}，时间{time}，预约码{code}。请按时到自助终端签到。",
        "Booked: {type} at {site}, {time}, code {code}. Check in at a kiosk on time.",
    ),
    "confirmed_remote": (
        "您已在{site}线上取号（{type}），请于{time}前到自助终端签到，预约码{code}。",
        "Remote place taken at {site} ({type}): check in at a kiosk before {time}, code {code}.",
    ),
    "reminder": (
        "提醒：您预约的{site}{type}将于{time}开始，预约码{code}。",
        "Reminder: your {type} booking at {site} starts at {time}, code {code}.",
    ),
    "three_ahead": (
        "{site}：您的号码{number}前面还有{ahead}人，请到等候区准备。",
        "{site}: {ahead} people ahead of {number}. Please come to the waiting area.",
    ),
    "called": (
        "{site}：请{number}号到{counter}办理。",
        "{site}: number {number}, please go to {counter}.",
    ),
    "missed": (
        "您预约的{site}{type}（{time}）未按时签到，已记为爽约。如需办理请重新预约。",
        "You did not check in for your {type} booking at {site} ({time}). Please book again if needed.",
    ),
    "missed_requeued": (
        "{site}：{number}号叫号时未到，已重新排队，请留意叫号。",
        "{site}: {number} was called but not present; it is back in the queue. Please listen for it.",
    ),
    "missed_ticket": (
        "{site}：{number}号已过号，请到服务台咨询。",
        "{site}: {number} has passed. Please ask at the service desk.",
    ),
}


def render(kind: str, params: dict[str, str]) -> tuple[str, str, str]:
    """(title, Chinese text, English text) of a message."""
    variant = params.get("variant") or kind
    if kind == "confirmed" and params.get("remote") == "1":
        variant = "confirmed_remote"
    zh, en = TEXTS[variant]
    return TITLES[kind][0], zh.format_map(_Blank(params)), en.format_map(_Blank(params))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""
