"""Every user-facing string, in Danish and English (a test checks the catalogue is complete)."""

from __future__ import annotations

import string
from typing import Any

LANGUAGES = ("da", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "verdict.skip": {"da": "🛑 Spring over", "en": "🛑 Skip it"},
    "verdict.think_twice": {"da": "🤔 Tænk dig om", "en": "🤔 Think twice"},
    "verdict.ok_if_needed": {"da": "👌 OK, hvis du har brug for det", "en": "👌 OK if you need it"},
    "verdict.info": {"da": "ℹ️ Godt at vide", "en": "ℹ️ Good to know"},
    "alt.use": {"da": "Brug det, du har", "en": "Use what you have"},
    "alt.borrow": {"da": "Lån eller lej", "en": "Borrow or rent"},
    "alt.secondhand": {"da": "Køb brugt", "en": "Buy second-hand"},
    "alt.repair": {"da": "Reparér", "en": "Repair"},
    "alt.new": {"da": "Hvis du køber nyt", "en": "If you buy new"},
    "card.why": {"da": "Hvorfor tænke sig om", "en": "Why reconsider"},
    "card.instead": {"da": "I stedet", "en": "Instead"},
    "card.before": {"da": "Før du køber", "en": "Before you buy"},
    "card.best_way": {"da": "Sådan gør du det bedst", "en": "How to do it best"},
    "card.background": {"da": "Baggrund", "en": "Background"},
    "card.what_to_do": {"da": "Det kan du gøre", "en": "What you can do"},
    "card.check_used": {"da": "Når du køber brugt", "en": "When you buy used"},
    "card.labels": {"da": "Mærker, der betyder noget", "en": "Labels that matter"},
    "category.intro": {
        "da": "Det præcise produkt har jeg ikke et kort om endnu, men her er mine råd til den slags ting:",
        "en": "I don't have a card on that exact product yet, but here is my advice for that kind of thing:",
    },
    "card.ask": {"da": "Spørg dig selv", "en": "Ask yourself"},
    "card.sources": {"da": "Kilder", "en": "Sources"},
    "btn.helpful": {"da": "👍 Brugbart", "en": "👍 Helpful"},
    "btn.not_helpful": {"da": "👎 Ikke brugbart", "en": "👎 Not helpful"},
    "btn.related": {"da": "🔗 Relaterede", "en": "🔗 Show related"},
    "btn.not_meant": {"da": "🙃 Ikke det, jeg mente", "en": "🙃 Not what I meant"},
    "btn.remind": {"da": "⏳ Mind mig om det om {days} dage", "en": "⏳ Remind me in {days} days"},
    "btn.search_on": {"da": "♻️ Brugt på {site}", "en": "♻️ Used on {site}"},
    "btn.back": {"da": "⬅️ Tilbage", "en": "⬅️ Back"},
    "btn.next": {"da": "Næste ➡️", "en": "Next ➡️"},
    "btn.prev": {"da": "⬅️ Forrige", "en": "⬅️ Previous"},
    "btn.forget_yes": {"da": "🗑️ Ja, slet alt om mig", "en": "🗑️ Yes, delete everything"},
    "btn.cancel": {"da": "Annullér", "en": "Cancel"},
    "btn.cancel_reminder": {"da": "Annullér påmindelsen", "en": "Cancel the reminder"},
    "btn.still_want": {"da": "Ja, det vil jeg stadig gerne", "en": "Yes, I still want it"},
    "btn.dont_want": {"da": "Nej, det gik over", "en": "No, it passed"},
    "start": {
        "da": (
            "Hej! Jeg er <b>Omtanke</b> 🌱\n\n"
            "Spørg mig, før du køber noget, der er hypet – fx en Stanley-kop, Temu eller en "
            "airfryer. Jeg giver dig en kort vurdering, hvorfor du måske skal tænke dig om, og "
            "bedre muligheder: brug det, du har → lån eller køb brugt → reparér → køb bedre nyt.\n\n"
            "Skriv bare dit spørgsmål, eller prøv et af disse:"
        ),
        "en": (
            "Hi! I'm <b>Omtanke</b> 🌱 (Danish for “consideration”)\n\n"
            "Ask me before you buy something hyped – a Stanley cup, Temu or an air fryer, say. "
            "I'll give you a short verdict, why you might think twice, and better options: use "
            "what you have → borrow or buy second-hand → repair → buy better new.\n\n"
            "Just type your question, or try one of these:"
        ),
    },
    "help": {
        "da": (
            "<b>Sådan bruger du Omtanke</b>\n"
            "Skriv et produkt, et mærke eller en butik – gerne som et spørgsmål: "
            "<i>“skal jeg købe en stanley kop?”</i>\n\n"
            "/topics – gennemse emner\n/language – vælg sprog\n"
            "/privacy – hvad jeg gemmer\n/forget – slet dine data\n\n"
            "Eksempler:"
        ),
        "en": (
            "<b>How to use Omtanke</b>\n"
            "Type a product, a brand or a shop – as a question if you like: "
            "<i>“is temu ok?”</i>\n\n"
            "/topics – browse topics\n/language – choose language\n"
            "/privacy – what I store\n/forget – delete your data\n\n"
            "Examples:"
        ),
    },
    "examples": {
        "da": "Skal jeg købe en Stanley-kop?|Er Temu ok?|Giver en airfryer mening?",
        "en": "Should I buy a Stanley cup?|Is Temu ok?|Is an air fryer worth it?",
    },
    "smalltalk.greeting": {
        "da": "Hej 👋 Hvad overvejer du at købe? Skriv produktet, så får du mit bud.",
        "en": "Hi 👋 What are you thinking of buying? Type the product and I'll give you my take.",
    },
    "smalltalk.thanks": {
        "da": "Så lidt! Spørg endelig igen, næste gang noget frister. 🌱",
        "en": "You're welcome! Ask again next time something tempts you. 🌱",
    },
    "smalltalk.bye": {
        "da": "Hej hej! Husk: det mest bæredygtige er ofte det, du allerede har. 🌱",
        "en": "Bye! Remember: the greenest thing is often the one you already own. 🌱",
    },
    "fallback": {
        "da": (
            "Det kender jeg ikke endnu – men jeg har gemt spørgsmålet, så vores redaktører kan "
            "skrive om det. Imens er her et par tommelfingerregler:"
        ),
        "en": (
            "I don't know that one yet – but I've kept the question so our curators can write "
            "about it. Meanwhile, a few rules of thumb:"
        ),
    },
    "offtopic": {
        "da": "Det kan jeg desværre ikke hjælpe med 🙂 Jeg er god til én ting: at give dig mit bud, "
        "før du køber noget – om et produkt, et mærke eller en butik. Prøv fx:",
        "en": "I can't help with that, I'm afraid 🙂 I'm good at one thing: giving you my take before "
        "you buy something – a product, a brand or a shop. Try for example:",
    },
    "offtopic.bare_buy": {
        "da": "Hvad overvejer du at købe? Skriv produktet – fx “en ny sofa” eller “Stanley-kop” – "
        "så får du mit bud. Eller prøv:",
        "en": "What are you thinking of buying? Type the product – say “a new sofa” or “Stanley "
        "cup” – and I'll give you my take. Or try:",
    },
    "photo.read": {"da": "📷 Jeg læste: “{text}”", "en": "📷 I read: “{text}”"},
    "photo.nothing": {
        "da": "Jeg kunne ikke finde et produkt på billedet 🙂 Skriv navnet på det, du overvejer at "
        "købe, så får du mit bud.",
        "en": "I couldn't find a product in that picture 🙂 Type the name of what you're thinking "
        "of buying and I'll give you my take.",
    },
    "photo.busy": {
        "da": "Jeg læser mange billeder lige nu – prøv igen om et minut, eller skriv produktets navn.",
        "en": "I'm reading a lot of pictures right now – try again in a minute, or type the product's name.",
    },
    "photo.too_large": {
        "da": "Det billede er for stort til mig (højst 10 MB). Send et skærmbillede, eller skriv "
        "produktets navn.",
        "en": "That picture is too big for me (10 MB at most). Send a screenshot, or type the "
        "product's name.",
    },
    "photo.not_image": {
        "da": "Den fil kan jeg ikke læse som et billede. Send et skærmbillede, eller skriv "
        "produktets navn.",
        "en": "I can't read that file as a picture. Send a screenshot, or type the product's name.",
    },
    "photo.failed": {
        "da": "Jeg kunne ikke læse billedet lige nu. Skriv gerne produktets navn i stedet.",
        "en": "I couldn't read the picture just now. Please type the product's name instead.",
    },
    "btn.shop": {"da": "🏪 {name}", "en": "🏪 {name}"},
    "empty": {
        "da": "Jeg læser kun tekst 🙂 Skriv navnet på det, du overvejer at købe.",
        "en": "I only read text 🙂 Type the name of what you're thinking of buying.",
    },
    "not_text": {
        "da": "Jeg kan kun læse tekstspørgsmål 🙂 Skriv fx “er en airfryer en god idé?”",
        "en": "I can only read text questions 🙂 Try e.g. “is an air fryer a good idea?”",
    },
    "edited": {
        "da": "Jeg ser kun nye beskeder – send dit spørgsmål igen, så svarer jeg.",
        "en": "I only see new messages – send your question again and I'll answer.",
    },
    "suggestions": {"da": "Mente du…?", "en": "Did you mean…?"},
    "no_other": {
        "da": "Jeg har ikke andre bud på det spørgsmål. Prøv at skrive produktets navn.",
        "en": "I have no other matches for that question. Try typing the product's name.",
    },
    "no_related": {"da": "Der er ingen relaterede emner.", "en": "There are no related topics."},
    "related": {"da": "Relaterede emner:", "en": "Related topics:"},
    "feedback.thanks": {"da": "Tak for din feedback!", "en": "Thanks for your feedback!"},
    "reminder.set": {
        "da": "⏳ Jeg minder dig om <b>{title}</b> om {days} dage. Har du stadig lyst til det "
        "til den tid, er det nok mere end en impuls.",
        "en": "⏳ I'll remind you about <b>{title}</b> in {days} days. If you still want it "
        "then, it's probably more than an impulse.",
    },
    "reminder.exists": {
        "da": "Du har allerede en påmindelse om <b>{title}</b>.",
        "en": "You already have a reminder about <b>{title}</b>.",
    },
    "reminder.due": {
        "da": "⏳ For {days} dage siden overvejede du <b>{title}</b>. Har du stadig lyst til det?",
        "en": "⏳ {days} days ago you were considering <b>{title}</b>. Do you still want it?",
    },
    "reminder.cancelled": {"da": "Påmindelsen er annulleret.", "en": "The reminder is cancelled."},
    "reminder.not_found": {
        "da": "Den påmindelse findes ikke længere – måske er den allerede sendt eller annulleret.",
        "en": "That reminder no longer exists – it may already have been sent or cancelled.",
    },
    "reminder.still_want": {
        "da": "Fair nok – så har du tænkt dig om. Overvej brugt først, og køb noget, der holder. 🌱",
        "en": "Fair enough – you've given it thought. Consider second-hand first, and buy something that lasts. 🌱",
    },
    "reminder.passed": {
        "da": "Fedt! Du sparede både penge og ressourcer. 🌱",
        "en": "Nice! You saved both money and resources. 🌱",
    },
    "reminder.failed": {
        "da": "Jeg kunne ikke gemme påmindelsen lige nu. Prøv igen om lidt.",
        "en": "I couldn't save the reminder right now. Please try again in a moment.",
    },
    "language.choose": {"da": "Vælg sprog:", "en": "Choose your language:"},
    "language.set": {"da": "Jeg svarer nu på dansk. 🇩🇰", "en": "I'll answer in English now. 🇬🇧"},
    "topics.title": {"da": "Vælg et emne:", "en": "Choose a topic:"},
    "topics.category": {"da": "{name} – side {page}/{pages}", "en": "{name} – page {page}/{pages}"},
    "privacy": {
        "da": (
            "<b>Privatliv</b>\n"
            "• Jeg gemmer dine spørgsmål, mine svar, dine 👍/👎, når du trykker “Ikke det, jeg "
            "mente”, og dit svar på en påmindelse – så redaktørerne kan se, hvad folk spørger om, "
            "og forbedre svarene.\n"
            "• Du gemmes under et pseudonym: en kode, der beregnes ud fra dit Telegram-id med en "
            "hemmelig nøgle, så ingen kan regne baglæns til dig. Dit Telegram-id, navn og "
            "telefonnummer gemmes aldrig.\n"
            "• Sender du et billede, gemmer jeg intet af selve billedet – kun den tekst, jeg læste "
            "som produktets navn, gemmes som et spørgsmål.\n"
            "• Beder du om en påmindelse, gemmer jeg chat-id'et, indtil den er sendt eller annulleret.\n"
            "• Spørgsmål og feedback slettes automatisk efter {days} dage.\n"
            "• /forget sletter alt om dig med det samme."
        ),
        "en": (
            "<b>Privacy</b>\n"
            "• I store your questions, my answers, your 👍/👎, when you press “Not what I "
            "meant”, and your answer to a reminder – so curators can see what people ask and "
            "improve the answers.\n"
            "• You are stored under a pseudonym: a code computed from your Telegram id with a "
            "secret key, so nobody can trace it back to you. Your Telegram id, name and phone "
            "number are never stored.\n"
            "• If you send a picture, nothing of the image itself is stored – only the text I read "
            "as the product's name is kept, like a question.\n"
            "• If you ask for a reminder, I keep the chat id until it is sent or cancelled.\n"
            "• Questions and feedback are deleted automatically after {days} days.\n"
            "• /forget deletes everything about you right away."
        ),
    },
    "forget.confirm": {
        "da": "Vil du slette alt, jeg har gemt om dig (spørgsmål, feedback, påmindelser, sprog)?",
        "en": "Delete everything I have stored about you (questions, feedback, reminders, language)?",
    },
    "forget.done": {
        "da": "Slettet. Jeg har ikke længere noget gemt om dig. 🌱",
        "en": "Deleted. I no longer have anything stored about you. 🌱",
    },
    "forget.cancelled": {"da": "Intet blev slettet.", "en": "Nothing was deleted."},
    "forget.queued": {
        "da": "Databasen svarer ikke lige nu, men sletningen står i kø og bliver gennemført, "
        "så snart den er tilbage. 🌱",
        "en": "The database isn't answering right now, but the deletion is queued and will "
        "be carried out as soon as it is back. 🌱",
    },
    "flood": {
        "da": "Hov, det går stærkt! 🙂 Giv mig et øjeblik, før du spørger igen.",
        "en": "Whoa, that's fast! 🙂 Give me a moment before you ask again.",
    },
    "error": {
        "da": "Beklager, noget gik galt hos mig. Prøv igen om lidt.",
        "en": "Sorry, something went wrong on my side. Please try again shortly.",
    },
    "truncated": {
        "da": "(Din besked var meget lang – jeg har læst begyndelsen.)",
        "en": "(Your message was very long – I read the beginning.)",
    },
    "admin.only": {
        "da": "Den kommando er kun for administratorer.",
        "en": "That command is for admins only.",
    },
    "admin.reload_ok": {
        "da": "✅ Vidensbasen er genindlæst: {count} emner{warnings}.",
        "en": "✅ Knowledge base reloaded: {count} entries{warnings}.",
    },
    "admin.reload_warnings": {"da": " ({n} advarsler)", "en": " ({n} warnings)"},
    "admin.reload_failed": {
        "da": "❌ Fejl i vidensbasen – den gamle version svarer fortsat:",
        "en": "❌ Errors in the knowledge base – the old version keeps answering:",
    },
    "admin.gaps_none": {
        "da": "Ingen ubesvarede spørgsmål i perioden. 🎉",
        "en": "No unanswered questions in the period. 🎉",
    },
    "admin.gaps_title": {
        "da": "Ubesvarede spørgsmål – {days} dage",
        "en": "Unanswered questions – {days} days",
    },
    "admin.gaps_summary": {
        "da": "{groups} grupper fra {questions} spørgsmål",
        "en": "{groups} groups from {questions} questions",
    },
    "admin.suspects_title": {
        "da": "Besvaret, men måske forkert",
        "en": "Answered but maybe wrong",
    },
    "admin.signal_not_meant": {"da": "“ikke det, jeg mente” {n}", "en": "not meant {n}"},
    "admin.signal_score": {"da": "score {score}", "en": "score {score}"},
    "admin.busy": {
        "da": "Jeg er ved at lave en anden oversigt – prøv igen om et øjeblik.",
        "en": "I'm busy with another report – please try again in a moment.",
    },
    "stats.title": {"da": "Statistik – {days} dage", "en": "Statistics – {days} days"},
    "stats.totals": {
        "da": "Spørgsmål: {questions} · brugere: {users}",
        "en": "Questions: {questions} · users: {users}",
    },
    "stats.kinds": {
        "da": "Besvaret: {answered} · forslag: {suggestions} · ubesvaret: {unanswered}",
        "en": "Answered: {answered} · suggestions: {suggestions} · unanswered: {unanswered}",
    },
    "stats.rates": {
        "da": "Svarrate: {rate} · 👍 {helpful} ({clicks} klik)",
        "en": "Answer rate: {rate} · 👍 {helpful} ({clicks} clicks)",
    },
    "stats.top_entries": {"da": "Mest spurgt", "en": "Top entries"},
    "stats.top_unanswered": {"da": "Ubesvaret", "en": "Top unanswered"},
    "stats.reminders": {
        "da": "⏳ 30-dages-reglen: {set} sat · {passed} droppet · {still_want} vil stadig · "
        "{no_answer} uden svar",
        "en": "⏳ 30-day rule: {set} set · {passed} passed · {still_want} still want it · "
        "{no_answer} no answer",
    },
    "stats.verdicts": {"da": "👍 pr. vurdering: {shares}", "en": "👍 by verdict: {shares}"},
    "stats.chart": {
        "da": "Besvaret|Forslag|Ubesvaret|Spørgsmål",
        "en": "Answered|Suggestions|Unanswered|Questions",
    },
    "stats.chart_per": {"da": "pr. dag|pr. uge|pr. måned", "en": "per day|per week|per month"},
    "stats.chart_questions": {
        "da": "Spørgsmål: {n} · svarrate {rate}",
        "en": "Questions: {n} · answer rate {rate}",
    },
    "stats.chart_reminders": {
        "da": "Påmindelser sat|Droppet (ikke købt)|Vil stadig have det|Intet svar|30-dages-reglen",
        "en": "Reminders set|Passed (not bought)|Still want it|No answer|The 30-day rule",
    },
    "stats.chart_title": {
        "da": "Omtanke – {days} dage ({first}–{last})",
        "en": "Omtanke – {days} days ({first}–{last})",
    },
    "terminal.welcome": {
        "da": "<b>Omtanke</b> 🌱 – skriv et spørgsmål, et tal for at trykke på en knap, /help for "
        "hjælp eller <i>quit</i> for at stoppe. / Type a question, a number to press a button, /help or <i>quit</i>.",
        "en": "<b>Omtanke</b> 🌱 – type a question, a number to press a button, /help for help "
        "or <i>quit</i> to stop.",
    },
    "terminal.no_choice": {
        "da": "Der er ingen knap med det nummer (1–{n}).",
        "en": "There is no button with that number (1–{n}).",
    },
    "terminal.telegram_only": {
        "da": "Påmindelser sendes i Telegram – i terminalen kan jeg ikke minde dig om noget.",
        "en": "Reminders are sent in Telegram – the terminal cannot remind you later.",
    },
    "terminal.admin": {
        "da": "Administratorkommandoer findes på kommandolinjen: <code>omtanke stats</code>, "
        "<code>omtanke kb gaps</code> (genindlæsning sker af sig selv).",
        "en": "Admin commands live on the command line: <code>omtanke stats</code>, "
        "<code>omtanke kb gaps</code> (reloading happens by itself).",
    },
    "terminal.unknown": {
        "da": "Den kommando kender jeg ikke. Prøv /help, /topics, /language, /privacy eller /forget.",
        "en": "I don't know that command. Try /help, /topics, /language, /privacy or /forget.",
    },
    "cmd.start": {"da": "Kom i gang", "en": "Get started"},
    "cmd.help": {"da": "Hjælp og eksempler", "en": "Help and examples"},
    "cmd.topics": {"da": "Gennemse emner", "en": "Browse topics"},
    "cmd.language": {"da": "Vælg sprog", "en": "Choose language"},
    "cmd.privacy": {"da": "Hvad jeg gemmer", "en": "What I store"},
    "cmd.forget": {"da": "Slet mine data", "en": "Delete my data"},
    "cmd.stats": {"da": "Statistik (admin)", "en": "Statistics (admin)"},
    "cmd.gaps": {"da": "Redaktørernes arbejdsliste (admin)", "en": "Curators' worklist (admin)"},
    "cmd.reload": {"da": "Genindlæs vidensbasen (admin)", "en": "Reload knowledge base (admin)"},
}


def t(key: str, lang: str, **values: Any) -> str:
    """The string `key` in `lang` (Danish for anything but English), formatted with values."""
    entry = CATALOGUE[key]
    text = entry["en"] if lang == "en" else entry["da"]
    return text.format(**values) if values else text


def placeholders(text: str) -> set[str]:
    """The {names} a catalogue string expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
