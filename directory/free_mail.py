"""Email domains anyone can get an address on: no company may claim one, since a verified
`gmail.com` would let its organization suggest itself to, or take in, every Gmail user."""

from __future__ import annotations

PUBLIC_EMAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "fastmail.com",
        "gmail.com",
        "googlemail.com",
        "hey.com",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mac.com",
        "mail.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "outlook.com",
        "pm.me",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "tutanota.com",
        "web.de",
        "yahoo.com",
        "yandex.ru",
        "zoho.com",
    }
)

# Providers with an address in many countries (gmx.de, gmx.net, yahoo.co.uk, hotmail.fr …):
# the brand followed by a country or generic suffix only.
PUBLIC_EMAIL_BRANDS = frozenset({"gmx", "hotmail", "outlook", "yahoo", "ymail", "yandex", "aol"})
_SUFFIX_LABEL_LENGTH = 3  # "com", "net", "de", "co" + "uk": a suffix, not a company's name


def is_public_email_domain(name: str) -> bool:
    """Whether `name` (clean: lower case, ASCII) is a free-mail provider's domain."""
    if name in PUBLIC_EMAIL_DOMAINS:
        return True
    brand, _, suffix = name.partition(".")
    labels = suffix.split(".")
    return (
        brand in PUBLIC_EMAIL_BRANDS
        and len(labels) <= 2
        and all(len(label) <= _SUFFIX_LABEL_LENGTH for label in labels)
    )
