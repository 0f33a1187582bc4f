"""A corpus of synthetic shop screenshots drawn with Pillow, each with the entry it shows.

Product pages in the style of Temu, Shein, TikTok Shop, Zalando, Amazon and a Danish web shop,
in Danish and English: a product title among shop chrome (logo, search, prices, badges, ratings,
buttons, navigation, a "customers also bought" strip). Some are phone screenshots as sent as a
file (1080x2340 PNG), most are what Telegram delivers for a photo (1280 px long side, JPEG),
some with noise or heavy compression. Plus images without a product. Deterministic: the same
bytes on every run (fonts: Debian's fonts-dejavu-core).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from knowledge.loader import KnowledgeBase, load_knowledge_base

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "condensed": "DejaVuSansCondensed.ttf",
    "condensed-bold": "DejaVuSansCondensed-Bold.ttf",
    "serif": "DejaVuSerif.ttf",
}
"""fonts-dejavu-core ships the first two; the others come with fonts-dejavu-extra or fall back."""


def knowledge_base() -> KnowledgeBase:
    """The shipped knowledge base, whose entry ids the corpus names."""
    report = load_knowledge_base()
    assert report.kb is not None, "\n".join(map(str, report.errors))
    return report.kb


def fonts_missing() -> str | None:
    """Why the corpus cannot be drawn, or None."""
    if not (FONT_DIR / FONT_FILES["regular"]).exists():
        return f"no DejaVu fonts in {FONT_DIR} (apt-get install fonts-dejavu-core)"
    return None


@cache
def font(size: int, style: str = "regular") -> ImageFont.FreeTypeFont:
    path = FONT_DIR / FONT_FILES[style]
    if not path.exists():
        path = FONT_DIR / FONT_FILES["bold" if "bold" in style else "regular"]
    return ImageFont.truetype(str(path), size)


@dataclass(frozen=True)
class Product:
    """A product title as a shop writes it, and the entry it must lead to."""

    entry: str
    da: str
    en: str
    brand: str = ""
    """The brand line some shops (Zalando, Shein) set above the name."""


PRODUCTS = [
    Product(
        "stanley-cup",
        "Stanley Quencher H2.0 FlowState termokrus 1,18 l",
        "Stanley Quencher H2.0 FlowState Tumbler 40 oz",
        "Stanley",
    ),
    Product(
        "owala-water-bottles",
        "Owala FreeSip drikkedunk i rustfrit stål 710 ml",
        "Owala FreeSip Insulated Stainless Steel Water Bottle 24 oz",
        "Owala",
    ),
    Product(
        "air-fryer",
        "Ninja Air Fryer MAX AF160EU 5,2 liter",
        "Ninja Air Fryer MAX AF160EU 5.2 L, Black",
        "Ninja",
    ),
    Product(
        "labubu-blind-boxes",
        "POP MART Labubu The Monsters blind box nøglering",
        "POP MART Labubu The Monsters Big Into Energy blind box",
        "POP MART",
    ),
    Product(
        "dyson-airwrap",
        "Dyson Airwrap multi-styler Complete Long",
        "Dyson Airwrap Multi-Styler and Dryer Complete Long",
        "Dyson",
    ),
    Product("crocs", "Crocs Classic Clog træsko unisex", "Crocs Unisex Classic Clog", "Crocs"),
    Product(
        "sol-de-janeiro",
        "Sol de Janeiro Brazilian Bum Bum Cream 240 ml",
        "Sol de Janeiro Brazilian Bum Bum Cream 240 ml",
        "Sol de Janeiro",
    ),
    Product(
        "ugg-boots",
        "UGG Tasman hjemmesko i ruskind",
        "UGG Women's Tasman Slipper, Chestnut",
        "UGG",
    ),
    Product(
        "kanken",
        "Fjällräven Kånken rygsæk 16 l",
        "Fjallraven Kanken Backpack 16 L, Frost Green",
        "Fjällräven",
    ),
    Product(
        "olaplex",
        "Olaplex No.3 Hair Perfector 100 ml",
        "Olaplex No.3 Hair Perfector Repairing Treatment 100 ml",
        "Olaplex",
    ),
    Product(
        "the-ordinary",
        "The Ordinary Niacinamide 10% + Zinc 1% serum 30 ml",
        "The Ordinary Niacinamide 10% + Zinc 1% 30 ml",
        "The Ordinary",
    ),
    Product(
        "wireless-earbuds",
        "Apple AirPods Pro (2. generation) med MagSafe",
        "Apple AirPods Pro (2nd generation) Wireless Earbuds",
        "Apple",
    ),
    Product(
        "robot-vacuums",
        "Roborock S8 robotstøvsuger med moppe",
        "Roborock S8 Robot Vacuum Cleaner with Mop",
        "Roborock",
    ),
    Product(
        "e-readers",
        "Kindle Paperwhite 16 GB e-bogslæser",
        "Amazon Kindle Paperwhite 16 GB, 7-inch display",
        "Amazon",
    ),
    Product(
        "instant-cameras",
        "Fujifilm Instax Mini 12 instant kamera, lilla",
        "Fujifilm Instax Mini 12 Instant Camera, Lilac Purple",
        "Fujifilm",
    ),
    Product(
        "pandora-charms",
        "Pandora Moments armbånd i sterlingsølv",
        "Pandora Moments Snake Chain Charm Bracelet",
        "Pandora",
    ),
    Product(
        "sneaker-hype",
        "adidas Samba OG sneakers, hvid",
        "adidas Originals Samba OG Sneakers, White",
        "adidas",
    ),
    Product(
        "status-puffer-jackets",
        "Canada Goose Expedition Parka dunjakke",
        "Canada Goose Expedition Parka Down Jacket",
        "Canada Goose",
    ),
    Product(
        "running-shoes",
        "Hoka Clifton 9 løbesko til herrer",
        "HOKA Clifton 9 Men's Running Shoes",
        "HOKA",
    ),
    Product(
        "vr-headsets",
        "Meta Quest 3 VR-headset 512 GB",
        "Meta Quest 3 512GB Mixed Reality Headset",
        "Meta",
    ),
    Product(
        "e-scooters",
        "Xiaomi Electric Scooter 4 Pro el-løbehjul",
        "Xiaomi Electric Scooter 4 Pro, 45 km range",
        "Xiaomi",
    ),
    Product(
        "premium-kitchen-machines",
        "KitchenAid Artisan røremaskine 4,8 l",
        "KitchenAid Artisan Stand Mixer 4.8 L",
        "KitchenAid",
    ),
    Product(
        "coffee-capsules",
        "Nespresso Vertuo Pop kapselmaskine",
        "Nespresso Vertuo Pop Coffee Pod Machine",
        "Nespresso",
    ),
    Product(
        "scented-candles",
        "Yankee Candle duftlys Large Jar",
        "Yankee Candle Scented Candle Large Jar",
        "Yankee Candle",
    ),
    Product(
        "hype-makeup",
        "Rare Beauty Soft Pinch Liquid Blush",
        "Rare Beauty Soft Pinch Liquid Blush",
        "Rare Beauty",
    ),
    Product(
        "smartwatches",
        "Apple Watch Series 11 GPS 42 mm",
        "Apple Watch Series 11 GPS 42 mm Smartwatch",
        "Apple",
    ),
    Product(
        "gua-sha-face-roller",
        "Gua sha sten og jaderulle i rosenkvarts",
        "Rose Quartz Gua Sha Tool and Face Roller Set",
    ),
    Product(
        "energy-drinks",
        "Prime Hydration energidrik 12 x 500 ml",
        "Prime Hydration Drink Tropical Punch 12 x 500 ml",
        "Prime",
    ),
    Product(
        "led-face-mask",
        "LED ansigtsmaske med rødt lys, 7 farver",
        "LED Face Mask Red Light Therapy, 7 Colours",
    ),
    Product(
        "ring-lights",
        "Ringlys 26 cm med stativ og mobilholder",
        "26 cm Ring Light with Tripod Stand and Phone Holder",
    ),
    Product(
        "yoga-mats",
        "Yogamåtte 6 mm skridsikker med bærerem",
        "Non-Slip Yoga Mat 6 mm with Carrying Strap",
    ),
    Product(
        "viral-snacks",
        "Dubai chokolade med pistacie og kataifi 200 g",
        "Dubai Chocolate Bar with Pistachio and Kataifi 200 g",
    ),
    Product(
        "matcha",
        "Ceremonial matcha pulver fra Uji 30 g",
        "Ceremonial Matcha Powder from Uji 30 g",
    ),
    Product(
        "padel",
        "Padelbat i carbon til øvede",
        "Carbon Padel Racket for Intermediate Players",
    ),
    Product(
        "non-stick-pans",
        "HexClad stegepande 28 cm",
        "HexClad Hybrid Non-Stick Frying Pan 28 cm",
        "HexClad",
    ),
    Product(
        "phone-cases",
        "iPhone 16 cover med MagSafe, gennemsigtigt",
        "Clear iPhone 16 Case with MagSafe",
    ),
]


# Strings of the shop chrome, per language.
UI: dict[str, dict[str, str]] = {
    "da": {
        "search": "Søg efter produkter",
        "cart": "Læg i kurv",
        "buy": "Køb nu",
        "reviews": "anmeldelser",
        "sold": "solgt",
        "free": "Gratis fragt",
        "returns": "Gratis retur i 30 dage",
        "delivery": "Levering 3-7 hverdage",
        "stock": "På lager",
        "size": "Vælg størrelse",
        "nav": "Hjem|Kategorier|Kurv|Konto",
        "also": "Andre kunder købte også",
        "save": "Spar",
        "flash": "Lynudsalg slutter om 02:14:33",
        "follow": "Følg",
        "seller": "Sælges af",
        "colour": "Farve",
        "details": "Produktdetaljer",
        "wish": "Tilføj til ønskeliste",
        "pay": "Betal senere med Klarna",
        "vat": "inkl. moms",
    },
    "en": {
        "search": "Search products",
        "cart": "Add to cart",
        "buy": "Buy now",
        "reviews": "reviews",
        "sold": "sold",
        "free": "Free shipping",
        "returns": "Free 30-day returns",
        "delivery": "Delivery in 3-7 business days",
        "stock": "In stock",
        "size": "Select size",
        "nav": "Home|Categories|Cart|Account",
        "also": "Customers also bought",
        "save": "Save",
        "flash": "Lightning deal ends in 02:14:33",
        "follow": "Follow",
        "seller": "Sold by",
        "colour": "Colour",
        "details": "Product details",
        "wish": "Add to wishlist",
        "pay": "Pay later with Klarna",
        "vat": "incl. VAT",
    },
}

Color = tuple[int, int, int]


class Page:
    """A phone page being drawn top to bottom at 1080 px wide."""

    def __init__(self, height: int = 2340, background: Color = (255, 255, 255)) -> None:
        self.image = Image.new("RGB", (1080, height), background)
        self.draw = ImageDraw.Draw(self.image)
        self.y = 0
        self.width = 1080

    def bar(self, height: int, color: Color) -> None:
        self.draw.rectangle([0, self.y, self.width, self.y + height], fill=color)

    def text(
        self,
        text: str,
        size: int,
        color: Color = (20, 20, 20),
        style: str = "regular",
        x: int = 40,
        gap: int = 14,
        max_width: int = 1000,
    ) -> None:
        """Wrapped text at the cursor; moves the cursor below it."""
        f = font(size, style)
        for line in wrap(text, f, max_width):
            self.draw.text((x, self.y), line, font=f, fill=color)
            self.y += size + gap

    def button(
        self, label: str, fill: Color, color: Color = (255, 255, 255), x0: int = 40, x1: int = 1040
    ) -> None:
        self.draw.rounded_rectangle([x0, self.y, x1, self.y + 120], radius=60, fill=fill)
        f = font(44, "bold")
        w = self.draw.textlength(label, font=f)
        self.draw.text(((x0 + x1 - w) / 2, self.y + 34), label, font=f, fill=color)
        self.y += 150

    def photo(self, rng: random.Random, height: int = 900) -> None:
        """A product photo stand-in: a soft background with a few coloured shapes."""
        base = tuple(rng.randint(200, 245) for _ in range(3))
        self.draw.rectangle([0, self.y, self.width, self.y + height], fill=base)
        for _ in range(4):
            c = tuple(rng.randint(40, 220) for _ in range(3))
            x, y = rng.randint(150, 700), self.y + rng.randint(100, height - 400)
            w, h = rng.randint(150, 350), rng.randint(200, 380)
            if rng.random() < 0.5:
                self.draw.ellipse([x, y, x + w, y + h], fill=c)
            else:
                self.draw.rounded_rectangle([x, y, x + w, y + h], radius=40, fill=c)
        self.y += height + 30

    def stars(self, rating: str, count: str, color: Color = (255, 170, 0)) -> None:
        f = font(34)
        self.draw.text((40, self.y), "★★★★★", font=f, fill=color)
        self.draw.text((250, self.y), f"{rating} ({count})", font=f, fill=(110, 110, 110))
        self.y += 60

    def nav(self, labels: str) -> None:
        """The app's bottom navigation bar ("Hjem|Kurv|Konto")."""
        top = self.image.height - 150
        self.draw.rectangle([0, top, self.width, self.image.height], fill=(250, 250, 250))
        self.draw.line([0, top, self.width, top], fill=(220, 220, 220), width=2)
        f = font(28)
        for i, label in enumerate(labels.split("|")):
            self.draw.text((60 + i * 260, top + 80), label, font=f, fill=(90, 90, 90))


def wrap(text: str, f: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and f.getlength(trial) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def price(rng: random.Random, lang: str) -> tuple[str, str]:
    value = rng.choice([89, 129, 199, 249, 349, 499, 899, 1299, 2499])
    old = value * rng.choice([2, 3])
    if lang == "da":
        return f"{value},95 kr.", f"{old},00 kr."
    return f"€{value // 7}.99", f"€{old // 7}.99"


# --- Shop styles ---------------------------------------------------------------------------------


def temu(product: Product, lang: str, rng: random.Random) -> Image.Image:
    ui = UI[lang]
    p = Page()
    p.bar(170, (251, 119, 1))
    p.y = 45
    p.text("Temu", 72, (255, 255, 255), "bold")
    p.y = 190
    p.draw.rounded_rectangle([40, p.y, 1040, p.y + 90], radius=45, outline=(251, 119, 1), width=4)
    p.draw.text((80, p.y + 22), ui["search"], font=font(36), fill=(150, 150, 150))
    p.y += 120
    p.photo(rng, 820)
    now, before = price(rng, lang)
    p.text(now, 64, (251, 80, 1), "bold", gap=6)
    p.text(f"{before}   -{rng.randint(40, 80)}%   {ui['flash']}", 30, (130, 130, 130))
    p.text(product.da if lang == "da" else product.en, 42, (25, 25, 25), gap=12)
    p.stars(f"4.{rng.randint(5, 9)}", f"{rng.randint(2, 40)}K+ {ui['sold']}")
    p.text(f"✓ {ui['free']}   ✓ {ui['returns']}", 32, (0, 140, 60))
    p.y += 30
    p.button(ui["cart"], (251, 119, 1))
    p.nav(ui["nav"])
    return p.image


def shein(product: Product, lang: str, rng: random.Random) -> Image.Image:
    ui = UI[lang]
    p = Page()
    p.y = 50
    p.text("SHEIN", 70, (0, 0, 0), "bold", x=400)
    p.draw.line([0, 170, 1080, 170], fill=(230, 230, 230), width=2)
    p.y = 190
    p.photo(rng, 1000)
    name = product.da if lang == "da" else product.en
    p.text(name, 36, (40, 40, 40), gap=10)
    now, before = price(rng, lang)
    p.text(f"{now}   {before}", 50, (250, 60, 60), "bold")
    p.stars(f"4.{rng.randint(6, 9)}", f"1000+ {ui['reviews']}", (30, 30, 30))
    p.text(f"{ui['colour']}: Sort / Black", 32, (90, 90, 90))
    p.text(f"{ui['size']}:   XS   S   M   L   XL", 32, (90, 90, 90))
    p.y += 30
    p.button(ui["cart"].upper(), (0, 0, 0))
    p.nav(ui["nav"])
    return p.image


def tiktok(product: Product, lang: str, rng: random.Random) -> Image.Image:
    """A TikTok video with a TikTok Shop product card: white text on a dark frame."""
    ui = UI[lang]
    p = Page(background=(18, 18, 24))
    for y in range(0, 2340, 6):  # a darkish video frame
        shade = 24 + int(40 * (y / 2340))
        p.draw.rectangle([0, y, 1080, y + 6], fill=(shade, shade // 2 + 10, shade + 20))
    p.y = 60
    p.text(
        "Følger    For dig" if lang == "da" else "Following    For You", 40, (235, 235, 235), x=300
    )
    p.y = 1500
    p.draw.rounded_rectangle([30, p.y, 900, p.y + 260], radius=24, fill=(255, 255, 255))
    p.draw.rectangle(
        [50, p.y + 20, 250, p.y + 240], fill=tuple(rng.randint(90, 200) for _ in range(3))
    )
    p.draw.text((280, p.y + 25), "TikTok Shop", font=font(30, "bold"), fill=(254, 44, 85))
    name = product.da if lang == "da" else product.en
    for i, line in enumerate(wrap(name, font(32, "bold"), 580)[:2]):
        p.draw.text((280, p.y + 75 + i * 44), line, font=font(32, "bold"), fill=(20, 20, 20))
    now, _ = price(rng, lang)
    p.draw.text((280, p.y + 180), now, font=font(34, "bold"), fill=(254, 44, 85))
    p.y += 300
    p.text(
        f"@{rng.choice(['ida.finds', 'mikkel_tester', 'haul.with.sara'])}",
        40,
        (255, 255, 255),
        "bold",
    )
    p.text(
        "Den er SÅ god, link i kurven 🛒 #tiktokmademebuyit"
        if lang == "da"
        else "Obsessed, link in the basket #tiktokmademebuyit",
        34,
        (240, 240, 240),
    )
    for i, label in enumerate(["128,4K", "2.301", ui["follow"]]):
        p.draw.text((950, 900 + i * 200), label, font=font(28, "bold"), fill=(255, 255, 255))
    return p.image


def zalando(product: Product, lang: str, rng: random.Random) -> Image.Image:
    ui = UI[lang]
    p = Page()
    p.y = 50
    p.text("zalando", 64, (255, 105, 0), "bold")
    p.draw.line([0, 160, 1080, 160], fill=(220, 220, 220), width=2)
    p.y = 180
    p.photo(rng, 1050)
    if product.brand:
        p.text(product.brand, 44, (0, 0, 0), "bold", gap=8)
        name = (product.da if lang == "da" else product.en).removeprefix(product.brand).strip()
    else:
        name = product.da if lang == "da" else product.en
    p.text(name, 38, (40, 40, 40))
    now, _ = price(rng, lang)
    p.text(f"{now}  {ui['vat']}", 44, (0, 0, 0), "bold")
    p.text(ui["size"], 34, (60, 60, 60))
    p.y += 20
    p.button(ui["cart"], (255, 105, 0))
    p.text(f"{ui['free']} · {ui['returns']}", 30, (80, 80, 80))
    p.nav(ui["nav"])
    return p.image


def amazon(product: Product, lang: str, rng: random.Random) -> Image.Image:
    ui = UI[lang]
    p = Page()
    p.bar(250, (19, 25, 33))
    p.y = 40
    p.text("amazon.de" if lang == "da" else "amazon", 60, (255, 255, 255), "bold")
    p.draw.rounded_rectangle([40, 150, 1040, 230], radius=12, fill=(255, 255, 255))
    p.draw.text((70, 170), ui["search"], font=font(34), fill=(120, 120, 120))
    p.y = 280
    if product.brand:
        visit = (
            f"Besøg {product.brand}-butikken"
            if lang == "da"
            else f"Visit the {product.brand} Store"
        )
        p.text(visit, 32, (0, 113, 133))
    p.text(product.da if lang == "da" else product.en, 36, (15, 17, 17), gap=10)
    p.stars(
        f"4,{rng.randint(3, 8)}", f"{rng.randint(1, 60)}.{rng.randint(100, 999)} {ui['reviews']}"
    )
    p.photo(rng, 900)
    now, _ = price(rng, lang)
    p.text(f"-{rng.randint(10, 40)}%  {now}", 58, (180, 30, 30))
    p.text(f"prime   {ui['delivery']}", 32, (0, 118, 200), "bold")
    p.text(ui["stock"], 34, (0, 118, 0))
    p.button(ui["cart"], (255, 216, 20), (15, 17, 17))
    p.button(ui["buy"], (255, 164, 28), (15, 17, 17))
    p.nav(ui["nav"])
    return p.image


def webshop(product: Product, lang: str, rng: random.Random) -> Image.Image:
    """A Danish web shop (invented: Kurvfuld.dk), with breadcrumbs, MobilePay and Klarna."""
    ui = UI[lang]
    p = Page()
    p.bar(160, (22, 92, 70))
    p.y = 45
    p.text("Kurvfuld.dk", 62, (255, 255, 255), "bold")
    p.y = 190
    crumbs = "Forside > Bolig > Udvalgte" if lang == "da" else "Home > Living > Featured"
    p.text(crumbs, 28, (110, 110, 110))
    p.text(product.da if lang == "da" else product.en, 48, (20, 20, 20), "bold", gap=12)
    p.stars("4,6 af 5" if lang == "da" else "4.6 of 5", f"{rng.randint(20, 400)} {ui['reviews']}")
    p.photo(rng, 850)
    now, _ = price(rng, lang)
    p.text(f"{now}  {ui['vat']}", 56, (22, 92, 70), "bold")
    p.text(f"● {ui['stock']} – {ui['delivery']}", 32, (0, 130, 60))
    p.button(ui["cart"], (22, 92, 70))
    p.text(ui["pay"], 30, (80, 80, 80))
    p.text(f"{ui['also']}: Termokop, Madkasse, Viskestykker", 28, (110, 110, 110))
    p.nav(ui["nav"])
    return p.image


STYLES: dict[str, Callable[[Product, str, random.Random], Image.Image]] = {
    "temu": temu,
    "shein": shein,
    "tiktok": tiktok,
    "zalando": zalando,
    "amazon": amazon,
    "webshop": webshop,
}
SHOP_ENTRY = {
    "temu": "temu",
    "shein": "shein",
    "tiktok": "tiktok-shop",
    "amazon": "amazon-prime-day",
}
"""Entries the page's shop must be recognised as (Zalando and the web shop have none)."""


# --- Delivery: how the picture reaches the bot ---------------------------------------------------


def as_telegram_photo(image: Image.Image, quality: int = 82) -> bytes:
    """What Telegram hands a bot for a photo: 1280 px on the long side, JPEG."""
    return jpeg(small(image), quality)


def small(image: Image.Image) -> Image.Image:
    """The image at Telegram's photo size (1280 px on the long side)."""
    image = image.copy()
    image.thumbnail((1280, 1280), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return image


def jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def noisy(image: Image.Image, rng: random.Random, amount: float = 18.0) -> Image.Image:
    """Sensor-like noise and a slight blur, as a photo of a screen or a re-shared screenshot."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0.0, amount, pixels.shape[:2])
    noisy_pixels = np.clip(pixels + noise[..., None], 0, 255).astype(np.uint8)
    return Image.fromarray(noisy_pixels).filter(ImageFilter.BoxBlur(1))


@dataclass(frozen=True)
class Shot:
    """One screenshot of the corpus."""

    name: str
    data: bytes
    entry: str | None
    """The entry it must be answered with; None when it shows no product."""
    shop: str | None = None
    lang: str = "da"


def product_shots() -> list[Shot]:
    """One page per product, rotating through shop styles, languages and delivery forms."""
    shots: list[Shot] = []
    styles = list(STYLES)
    for i, product in enumerate(PRODUCTS):
        rng = random.Random(i)
        style = styles[i % len(styles)]
        lang = "da" if (i // len(styles)) % 2 == 0 else "en"
        image = STYLES[style](product, lang, rng)
        delivery = i % 4
        if delivery == 0:
            data, how = png(image), "file"  # sent as a file: full 1080x2340
        elif delivery == 1:
            data, how = as_telegram_photo(image), "photo"
        elif delivery == 2:
            data, how = as_telegram_photo(noisy(image, rng), 70), "noisy-photo"
        else:
            data, how = jpeg(noisy(image, rng, 12), 45), "noisy-jpeg45"
        name = f"{product.entry}-{style}-{lang}-{how}"
        shots.append(Shot(name, data, product.entry, SHOP_ENTRY.get(style), lang))
    return shots


def wide_shots() -> list[Shot]:
    """Every product in every shop style (language alternating), as Telegram photos: for the
    benchmark's broader accuracy figure, too slow for the test suite."""
    shots: list[Shot] = []
    for i, product in enumerate(PRODUCTS):
        for j, (style, draw) in enumerate(STYLES.items()):
            lang = ("da", "en")[(i + j) % 2]
            data = as_telegram_photo(draw(product, lang, random.Random(1000 * i + j)))
            name = f"{product.entry}-{style}-{lang}-photo"
            shots.append(Shot(name, data, product.entry, SHOP_ENTRY.get(style), lang))
    return shots


def cat() -> Image.Image:
    image = Image.new("RGB", (1080, 1350), (235, 225, 210))
    d = ImageDraw.Draw(image)
    d.ellipse([290, 500, 790, 1150], fill=(120, 120, 130))  # body
    d.ellipse([340, 230, 740, 600], fill=(130, 130, 140))  # head
    d.polygon([(360, 330), (400, 130), (500, 260)], fill=(130, 130, 140))  # ears
    d.polygon([(720, 330), (680, 130), (580, 260)], fill=(130, 130, 140))
    d.ellipse([430, 370, 480, 420], fill=(90, 160, 60))
    d.ellipse([600, 370, 650, 420], fill=(90, 160, 60))
    d.polygon([(520, 460), (560, 460), (540, 485)], fill=(230, 150, 160))
    for dy in (-15, 0, 15):  # whiskers
        d.line([(380, 480 + dy), (500, 475)], fill=(40, 40, 40), width=3)
        d.line([(700, 480 + dy), (580, 475)], fill=(40, 40, 40), width=3)
    d.arc([700, 850, 950, 1150], 180, 330, fill=(120, 120, 130), width=30)  # tail
    return image


def landscape() -> Image.Image:
    image = Image.new("RGB", (1280, 853))
    d = ImageDraw.Draw(image)
    for y in range(853):
        t = y / 853
        d.line([(0, y), (1280, y)], fill=(int(90 + 120 * t), int(150 + 60 * t), int(230 - 60 * t)))
    d.ellipse([950, 120, 1100, 270], fill=(255, 230, 140))
    d.polygon(
        [(0, 600), (300, 420), (650, 580), (1000, 400), (1280, 560), (1280, 853), (0, 853)],
        fill=(70, 130, 70),
    )
    d.polygon([(0, 720), (500, 610), (1280, 700), (1280, 853), (0, 853)], fill=(50, 100, 50))
    return image


def meme(top: str, bottom: str) -> Image.Image:
    image = Image.new("RGB", (1080, 1080), (120, 90, 70))
    d = ImageDraw.Draw(image)
    d.ellipse([290, 260, 790, 860], fill=(230, 190, 150))  # a face
    d.ellipse([430, 460, 480, 510], fill=(30, 30, 30))
    d.ellipse([600, 460, 650, 510], fill=(30, 30, 30))
    d.arc([440, 560, 640, 700], 20, 160, fill=(30, 30, 30), width=8)
    f = font(78, "bold")
    for text, y in ((top, 40), (bottom, 900)):
        for i, line in enumerate(wrap(text, f, 1000)):
            w = d.textlength(line, font=f)
            d.text(
                ((1080 - w) / 2, y + i * 90),
                line,
                font=f,
                fill=(255, 255, 255),
                stroke_width=5,
                stroke_fill=(0, 0, 0),
            )
    return image


def chat() -> Image.Image:
    image = Image.new("RGB", (1080, 2340), (236, 229, 221))
    d = ImageDraw.Draw(image)
    messages = [
        ("Hej! Ses vi i morgen til fodbold?", False),
        ("Ja, jeg tager cyklen. Kl. 17?", True),
        ("Perfekt, så ses vi der", False),
        ("Husk at mor har fødselsdag på lørdag", True),
    ]
    y = 300
    for text, mine in messages:
        x = 500 if mine else 40
        d.rounded_rectangle(
            [x, y, x + 540, y + 150], radius=30, fill=(220, 248, 198) if mine else (255, 255, 255)
        )
        for i, line in enumerate(wrap(text, font(34), 480)):
            d.text((x + 25, y + 25 + i * 46), line, font=font(34), fill=(20, 20, 20))
        y += 220
    return image


def app_screen(title: str, rows: list[str], accent: Color) -> Image.Image:
    """An everyday app screen (weather, bank): text, but nothing for sale."""
    page = Page()
    page.bar(200, accent)
    page.y = 60
    page.text(title, 60, (255, 255, 255), "bold")
    page.y = 260
    for row in rows:
        page.text(row, 40, (30, 30, 30), gap=40)
    return page.image


def empty_shop_page() -> Image.Image:
    """A Temu page for something no entry is about: the shop is seen, no product is claimed."""
    unknown = Product(
        "", "Skruetrækkersæt med 24 bits i etui", "Screwdriver Set with 24 Bits and Case"
    )
    return temu(unknown, "da", random.Random(99))


def no_product_shots() -> list[Shot]:
    return [
        Shot("cat", jpeg(cat(), 85), None),
        Shot("landscape", jpeg(landscape(), 85), None),
        Shot("landscape-noisy", jpeg(noisy(landscape(), random.Random(1)), 60), None),
        Shot(
            "meme-en",
            jpeg(meme("WHEN THE WIFI COMES BACK", "AFTER FIVE MINUTES"), 80),
            None,
            lang="en",
        ),
        Shot("meme-da", jpeg(meme("NÅR KAFFEN ENDELIG VIRKER", "MANDAG MORGEN"), 80), None),
        Shot("chat", as_telegram_photo(chat()), None),
        Shot(
            "weather",
            as_telegram_photo(
                app_screen(
                    "København",
                    [
                        "12° Let skyet",
                        "I morgen: 9° regn",
                        "Vind 6 m/s fra vest",
                        "Solnedgang 15:48",
                    ],
                    (40, 110, 190),
                )
            ),
            None,
        ),
        Shot(
            "bank",
            as_telegram_photo(
                app_screen(
                    "MobilePay",
                    [
                        "Du har modtaget 150,00 kr.",
                        "fra Mor",
                        "Tak for hjælpen i weekenden",
                        "Saldo 1.204,50 kr.",
                    ],
                    (90, 120, 255),
                )
            ),
            None,
        ),
        Shot(
            "lyrics-meme",
            jpeg(meme("ME EXPLAINING MY PLANS", "TO MY DOG ON A SUNDAY"), 75),
            None,
            lang="en",
        ),
        Shot("temu-unknown-product", as_telegram_photo(empty_shop_page()), None, "temu"),
    ]


def all_shots() -> list[Shot]:
    """Every screenshot of the corpus: products first."""
    return product_shots() + no_product_shots()
