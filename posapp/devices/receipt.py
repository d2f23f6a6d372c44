"""Receipt layout: a pure function from a completed sale to a printable document.

Widths are display columns (a Chinese character takes two), so amounts line up on 32, 42 and 48
column printers. The document knows nothing of ESC/POS; escpos_printer.py turns it into bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from datetime import timezone as dt_timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from posapp.devices import textwidth as tw
from posapp.domain.money import currency_places
from posapp.domain.sale import Sale, SaleLine

ALIGNS = ("left", "center", "right")
CODE_KINDS = ("auto", "code128", "qr", "none")
DOTS_PER_COLUMN = 12  # Font A is 12 dots wide: 32 columns = 384 dots (58 mm), 48 = 576 (80 mm)
TAX_NET_WIDTH, TAX_WIDTH = 12, 10

LOCALES = ("zh_CN", "zh_TW", "en")  # zh_TW is for Big5 printers, where Simplified characters print as "？"
_WORDS = {
    "number": ("单号", "單號", "Receipt"),
    "time": ("时间", "時間", "Time"),
    "cashier": ("收银员", "收銀員", "Cashier"),
    "terminal": ("收银台", "收銀台", "Till"),
    "tax_id": ("税号", "統一編號", "Tax ID"),
    "phone": ("电话", "電話", "Tel"),
    "subtotal": ("小计", "小計", "Subtotal"),
    "basket_discount": ("整单优惠", "整單優惠", "Basket discount"),
    "discount": ("折扣", "折扣", "Discount"),
    "list_price": ("原价", "原價", "Was"),
    "saved": ("省", "省", "saved"),
    "rate": ("税率", "稅率", "Rate"),
    "net": ("不含税", "未稅", "Net"),
    "tax": ("税额", "稅額", "Tax"),
    "total": ("合计", "合計", "TOTAL"),
    "rounding": ("舍入", "捨入", "Rounding"),
    "rounding_down": ("抹零", "抹零", "Rounding"),
    "due": ("应付", "應付", "To pay"),
    "change": ("找零", "找零", "Change"),
    "you_saved": ("本次共节省", "本次共節省", "You saved"),
    "gift": ("赠品", "贈品", "Gift"),
    "reprint": ("*** 重打小票 ***", "*** 補印收據 ***", "*** REPRINT ***"),
    "cash": ("现金", "現金", "Cash"),
    "card": ("银行卡", "信用卡", "Card"),
    "mobile": ("移动支付", "行動支付", "Mobile pay"),
    "voucher": ("代金券", "禮券", "Voucher"),
    "points": ("积分抵扣", "點數折抵", "Points"),
    "exchange": ("换货抵扣", "換貨抵扣", "Exchange credit"),
    "member": ("会员", "會員", "Member"),
    "points_earned": ("本次积分", "本次點數", "Points earned"),
    "points_redeemed": ("使用积分", "使用點數", "Points used"),
    "points_balance": ("积分余额", "點數餘額", "Points balance"),
    "return": ("*** 退货单 ***", "*** 退貨單 ***", "*** RETURN ***"),
    "original": ("原单号", "原單號", "Original receipt"),
    "reason": ("原因", "原因", "Reason"),
    "no_receipt": ("无小票退货", "無收據退貨", "Return without a receipt"),
    "damaged": ("(不可售)", "(不可售)", "(not for resale)"),
    "refund_total": ("退款合计", "退款合計", "REFUND"),
    "to_refund": ("实退", "實退", "Refunded"),
    "refund_to": ("退回", "退回", "Back to"),
    "new_voucher": ("新代金券", "新禮券", "New voucher"),
    "lost": ("不再满足", "不再滿足", "No longer reached"),
    "kept_gift": ("赠品未退回", "贈品未退回", "Gift kept"),
    "given_back": ("返还", "返還", "given back"),
    "points_spent": ("已用积分折现", "已用點數折現", "Points already spent"),
    "points_back": ("退回积分", "退回點數", "Points given back"),
    "points_taken": ("扣回积分", "扣回點數", "Points taken back"),
    "changed_mind": ("不想要了", "不想要了", "changed mind"),
    "wrong_size": ("尺码/颜色不合适", "尺碼/顏色不合適", "wrong size or colour"),
    "not_as_described": ("与描述不符", "與描述不符", "not as described"),
    "other": ("其他", "其他", "other"),
    "damaged_reason": ("损坏/质量问题", "損壞/品質問題", "damaged or defective"),
}
LABELS: dict[str, dict[str, str]] = {
    locale: {key: words[i] for key, words in _WORDS.items()} for i, locale in enumerate(LOCALES)
}


@dataclass(frozen=True)
class ReceiptHeader:
    store_name: str
    address: str
    tax_id: str
    phone: str = ""


@dataclass(frozen=True)
class TextLine:
    """One printed line; double_width halves the columns it may use."""

    text: str
    bold: bool = False
    double_width: bool = False
    double_height: bool = False
    align: str = "left"


@dataclass(frozen=True)
class CodeBlock:
    """The receipt number as a CODE128 barcode or a QR code, printed centred."""

    kind: str  # "code128" | "qr"
    data: str


@dataclass(frozen=True)
class ReceiptDocument:
    columns: int
    elements: tuple[TextLine | CodeBlock, ...]
    locale: str = "zh_CN"
    ambiguous: int = 2  # width of East Asian Ambiguous characters; see textwidth.ambiguous_width


def labels_for(locale: str) -> dict[str, str]:
    if locale in LABELS:
        return LABELS[locale]
    if locale.startswith(("zh_TW", "zh_HK", "zh_Hant")):
        return LABELS["zh_TW"]
    return LABELS["zh_CN"] if locale.startswith("zh") else LABELS["en"]


def line_width(line: TextLine, columns: int) -> int:
    """The columns a line may fill at its print size."""
    return columns // 2 if line.double_width else columns


def render_text(doc: ReceiptDocument) -> list[str]:
    """The receipt as plain lines (double-width lines shown at their logical width)."""
    out = []
    for el in doc.elements:
        if isinstance(el, CodeBlock):
            marker = "||||" if el.kind == "code128" else "[QR]"
            out.append(tw.center(f"{marker} {el.data} {marker}", doc.columns, ambiguous=doc.ambiguous))
            continue
        if el.align == "center":
            out.append(tw.center(el.text, doc.columns, ambiguous=doc.ambiguous))
        elif el.align == "right":
            out.append(tw.pad_left(el.text, doc.columns, ambiguous=doc.ambiguous))
        else:
            out.append(el.text)
    return out


class _Builder:
    """Collects lines, checking each fits; wraps and spreads by display width."""

    def __init__(self, columns: int, ambiguous: int, places: int):
        self.columns, self.ambiguous, self.places = columns, ambiguous, places
        self.elements: list[TextLine | CodeBlock] = []

    def money(self, amount: Decimal) -> str:
        return format(amount, f",.{self.places}f")

    def add(self, text: str, **style) -> None:
        line = TextLine(text.rstrip(), **style)
        if line.align not in ALIGNS:
            raise ValueError(f"align must be one of {ALIGNS}")
        width = line_width(line, self.columns)
        if tw.text_width(line.text, ambiguous=self.ambiguous) <= width:
            self.elements.append(line)
            return
        for piece in tw.wrap(line.text, width, ambiguous=self.ambiguous):  # absurd amounts: never lose text
            self.elements.append(replace(line, text=piece))

    def para(self, text: str, *, indent: int = 0, **style) -> None:
        """Wrapped text, each piece indented; blank text adds nothing."""
        width = (self.columns // 2 if style.get("double_width") else self.columns) - indent
        for part in str(text).splitlines():
            if part.strip():
                for piece in tw.wrap(part, width, ambiguous=self.ambiguous):
                    self.add(" " * indent + piece, **style)

    def pair(self, left: str, right: str, **style) -> None:
        width = self.columns // 2 if style.get("double_width") else self.columns
        for piece in tw.spread(tw.clean(left), tw.clean(right), width, ambiguous=self.ambiguous):
            self.add(piece, **style)

    def rule(self, char: str = "-") -> None:
        self.add(char * self.columns)


def layout_receipt(sale: Sale, *, store: ReceiptHeader, columns: int, timezone: str,
                   locale: str = "zh_CN", footer: str = "", reprint: bool = False,
                   code: str = "auto", ambiguous: int = 2) -> ReceiptDocument:
    """The printable receipt of sale, laid out for a printer of columns width."""
    if columns < 24:
        raise ValueError(f"a receipt needs at least 24 columns, not {columns}")
    if code not in CODE_KINDS:
        raise ValueError(f"code must be one of {CODE_KINDS}")
    words = labels_for(locale)
    b = _Builder(columns, ambiguous, currency_places(sale.currency))
    _header(b, sale, store, words, timezone, reprint)
    for line in sale.lines:
        _item(b, line, words)
    b.rule()
    if sale.is_return:
        _refund(b, sale, words, _currency_sign(sale.currency, locale))
    else:
        _totals(b, sale, words, _currency_sign(sale.currency, locale))
        _tenders(b, sale, words)
    if sale.member is not None:
        _member(b, sale, words)
    if footer.strip():
        b.rule()
        b.para(footer, align="center")
    if reprint:
        b.add(words["reprint"], bold=True, double_height=True, align="center")
    kind = _code_kind(code, sale.number, columns)
    if kind != "none":
        b.elements.append(CodeBlock(kind, sale.number))
    return ReceiptDocument(columns=columns, elements=tuple(b.elements), locale=locale, ambiguous=ambiguous)


def _header(b: _Builder, sale: Sale, store: ReceiptHeader, words: dict, tz: str, reprint: bool) -> None:
    # Double width only when the name fits on one line that way; a lone wrapped character looks broken.
    wide = tw.text_width(tw.clean(store.store_name), ambiguous=b.ambiguous) <= b.columns // 2
    b.para(store.store_name, bold=True, double_width=wide, double_height=True, align="center")
    b.para(store.address, align="center")
    if store.tax_id.strip():
        b.para(f"{words['tax_id']}: {store.tax_id}", align="center")
    if store.phone.strip():
        b.para(f"{words['phone']}: {store.phone}", align="center")
    if reprint:
        b.add(words["reprint"], bold=True, double_height=True, align="center")
    b.rule()
    if sale.is_return:
        b.add(words["return"], bold=True, double_height=True, align="center")
        b.para(f"{words['original']}: {sale.original}" if sale.original else words["no_receipt"])
    b.para(f"{words['number']}: {sale.number}")
    b.para(f"{words['time']}: {local_time(sale.created_at, tz):%Y-%m-%d %H:%M:%S}")
    b.pair(f"{words['cashier']}: {sale.cashier_name}", f"{words['terminal']}: {sale.terminal_code}")
    b.rule()


def local_time(moment: datetime, tz: str) -> datetime:
    """A stored UTC time (naive or aware) in the store's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_timezone.utc)
    return moment.astimezone(ZoneInfo(tz))


def quantity(line: SaleLine) -> str:
    if line.weighed:
        return f"{line.qty.quantize(Decimal('0.001')):f} {line.unit or 'kg'}"
    return format(line.qty.normalize(), "f")


def _item(b: _Builder, line: SaleLine, words: dict) -> None:
    b.para(line.name)
    if line.original_line is not None:  # a return's line: what comes back, as the customer reads it
        reason = words.get("damaged_reason" if line.reason == "damaged" else line.reason, line.reason)
        # What comes back is the share of what was paid, not the shelf price: no unit price beside it.
        b.pair(f"  x {quantity(replace(line, qty=-line.qty))}", b.money(-line.total))
        b.para(f"{words['reason']}: {reason}" + (f" {words['damaged']}" if line.damaged else ""), indent=2)
        return
    # round_half_up(unit_price * qty): before the line discount and the line's promotions
    gross = line.total + line.discount + line.promotion_saving
    b.pair(f"  {quantity(line)} x {b.money(line.unit_price)}", b.money(gross))
    override = line.savings - line.discount - line.promotion_saving
    if line.list_price > line.unit_price and override > 0:
        # In brackets: it is not a charge, so it stays out of the amount column.
        was, saved = b.money(line.list_price), b.money(override)
        b.para(f"{words['list_price']} {was} ({words['saved']} {saved})", indent=2)
    if line.discount:
        b.pair(f"  {words['discount']}", b.money(-line.discount))
    for promo in line.promotions:
        if promo.level != "basket":
            name = f"{words['gift']} {promo.name}" if promo.level == "gift" else promo.name
            b.pair(f"  {name}", b.money(-promo.amount))


def _totals(b: _Builder, sale: Sale, words: dict, sign: str) -> None:
    b.pair(words["subtotal"], b.money(sale.subtotal))
    for promo in sale.promotion_totals():
        if promo.level == "basket":
            b.pair(promo.name, b.money(-promo.amount))
    if sale.basket_discount:
        b.pair(words["basket_discount"], b.money(-sale.basket_discount))
    if sale.taxes:
        b.rule()
        b.add(_tax_row(b, words["rate"], words["net"], words["tax"]))
        for t in sale.taxes:
            b.add(_tax_row(b, f"{t.rate.normalize():f}%", b.money(t.net), b.money(t.tax)))
    b.rule("=")
    b.pair(words["total"], sign + b.money(sale.total), bold=True, double_height=True)
    if sale.rounding:
        b.pair(words["rounding" if sale.rounding > 0 else "rounding_down"], b.money(sale.rounding))
        b.pair(words["due"], sign + b.money(sale.due), bold=True)
    b.rule()


def _tax_row(b: _Builder, rate: str, net: str, tax: str) -> str:
    a = b.ambiguous
    head = tw.pad_right(rate, b.columns - TAX_NET_WIDTH - TAX_WIDTH, ambiguous=a)
    return head + tw.pad_left(net, TAX_NET_WIDTH, ambiguous=a) + tw.pad_left(tax, TAX_WIDTH, ambiguous=a)


def _tenders(b: _Builder, sale: Sale, words: dict) -> None:
    for p in sale.payments:
        label = words.get(p.tender, p.tender)
        if p.tender in ("card", "mobile") and p.reference:
            label += f" ****{p.reference[-4:]}"
        # Cash shows what was handed over; the change line gives the difference back.
        shown = p.tendered if p.tender == "cash" and p.tendered > p.amount else p.amount
        b.pair(label, b.money(shown))
    if sale.change:
        b.pair(words["change"], b.money(sale.change), bold=True)
    if sale.savings > 0:
        b.pair(words["you_saved"], b.money(sale.savings))


def _refund(b: _Builder, sale: Sale, words: dict, sign: str) -> None:
    """A return: what the items come to, what came off (or came back), the refund and where it goes."""
    b.pair(words["subtotal"], b.money(-sale.subtotal))
    for d in sale.deductions:
        if d.kind == "points":
            label = f"{words['points_spent']} {d.points}"
        else:
            label = f"{words['kept_gift' if d.kind == 'gift' else 'lost']} {d.name}"
            if d.amount < 0:
                label = f"{d.name} {words['given_back']}"
        b.pair(label, b.money(-d.amount))
    if sale.taxes:
        b.rule()
        b.add(_tax_row(b, words["rate"], words["net"], words["tax"]))
        for t in sale.taxes:
            b.add(_tax_row(b, f"{t.rate.normalize():f}%", b.money(-t.net), b.money(-t.tax)))
    b.rule("=")
    b.pair(words["refund_total"], sign + b.money(-sale.total), bold=True, double_height=True)
    if sale.rounding:
        b.pair(words["rounding" if sale.rounding < 0 else "rounding_down"], b.money(-sale.rounding))
        b.pair(words["to_refund"], sign + b.money(-sale.due), bold=True)
    b.rule()
    for p in sale.payments:
        label = f"{words['refund_to']} {words.get(p.tender, p.tender)}"
        if p.tender in ("card", "mobile") and p.reference:
            label += f" {p.reference}"
        b.pair(label, b.money(-p.amount))
        if p.tender == "voucher" and p.reference:
            b.para(f"{words['new_voucher']}: {p.reference}", indent=2)


def _member(b: _Builder, sale: Sale, words: dict) -> None:
    m = sale.member
    b.rule()
    b.pair(words["member"], f"{m.code} {m.phone}".strip())
    if m.name:
        b.add(m.name, align="right")
    if sale.is_return:  # a return gives back the points that paid (redeemed < 0), takes back those earned
        if m.redeemed:
            b.pair(words["points_back"], f"+{-m.redeemed}")
        if m.earned:
            b.pair(words["points_taken"], f"{m.earned}")
        b.pair(words["points_balance"], str(m.balance), bold=True)
        return
    if m.redeemed:
        b.pair(words["points_redeemed"], f"-{m.redeemed}")
    b.pair(words["points_earned"], f"+{m.earned}")
    b.pair(words["points_balance"], str(m.balance), bold=True)


def _currency_sign(currency: str, locale: str) -> str:
    # The full-width yuan sign is a GB2312/Big5 double-byte code; U+00A5 ¥ is not (GB18030 4-byte).
    if currency == "CNY" and locale.startswith("zh"):
        return "￥"
    return "" if locale.startswith("zh") else f"{currency} "


def _code_kind(code: str, data: str, columns: int) -> str:
    """CODE128 when it fits the paper at 2-dot modules with quiet zones, else QR."""
    if code != "auto":
        return code
    modules = 11 * (len(data) + 2) + 13 + 20  # start, data, check, stop, two 10-module quiet zones
    fits = data.isascii() and 2 * modules <= columns * DOTS_PER_COLUMN
    return "code128" if fits else "qr"
