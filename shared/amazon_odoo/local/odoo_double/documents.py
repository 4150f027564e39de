"""Invoice PDFs in the Odoo double (issue 8; ODOO.md §11): the ``account.move.send`` wizard ("Send &
Print" without e-mail) renders a posted invoice or credit note into an ``ir.attachment`` and freezes it as
the move's ``invoice_pdf_report_id`` (a second run reuses it), and marks the move ``is_move_sent``.

The PDF is small and valid (header, objects, cross-reference table, trailer), with the document's number,
type, date and totals as text; no personal data. A move whose ``x_double_pdf_error`` is set cannot be
rendered: the wizard raises Odoo's ``UserError`` with that text (as a real Odoo without wkhtmltopdf does:
"Unable to find Wkhtmltopdf on this system. The PDF can not be created.").

The two fields are added to whatever class serves ``account.move`` when this module is imported (the
package imports it after ``models``), so other extensions of that model keep theirs.
"""

from __future__ import annotations

import base64
from typing import Any, ClassVar

from amazon_odoo.local.odoo_double import models  # noqa: F401 - account.move is registered first
from amazon_odoo.local.odoo_double.errors import UserError
from amazon_odoo.local.odoo_double.orm import REGISTRY, Field, Model, Row, api_multi, register

WKHTMLTOPDF_MISSING = "Unable to find Wkhtmltopdf on this system. The PDF can not be created."

MOVE_FIELDS: dict[str, Field] = {
    "invoice_pdf_report_id": Field("many2one", "PDF Attachment", relation="ir.attachment"),
    "is_move_sent": Field("boolean", "Is Move Sent", default=False),
    # the double's switch: the text of the UserError the wizard raises for this move
    "x_double_pdf_error": Field("char", "PDF error (double)"),
}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF 1.4 showing ``lines`` in Helvetica (offsets in the xref table are exact)."""
    stream = "BT /F1 12 Tf 72 770 Td 16 TL " + " ".join(f"({_escape(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("latin-1")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("latin-1")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode(
        "latin-1"
    )
    return bytes(out)


@register
class IrAttachment(Model):
    _name = "ir.attachment"
    _description = "Attachment"
    _access: ClassVar[dict[str, tuple[str, ...]]] = {"*": ("base.group_user",)}
    _fields: ClassVar[dict[str, Field]] = {
        "name": Field("char", "Name", required=True),
        "res_model": Field("char", "Resource Model"),
        "res_id": Field("integer", "Resource ID"),
        "mimetype": Field("char", "Mime Type"),
        "datas": Field("binary", "File Content (base64)"),
        "file_size": Field(
            "integer",
            "File Size",
            compute=lambda m, i: len(base64.b64decode(m.row(i).get("datas") or b"")),
        ),
    }


@register
class AccountMoveSend(Model):
    """Odoo 17's Send & Print wizard, as far as printing goes (no e-mail is ever sent by the double)."""

    _name = "account.move.send"
    _description = "Account Move Send"
    _access: ClassVar[dict[str, tuple[str, ...]]] = {"*": ("account.group_account_invoice",)}
    _fields: ClassVar[dict[str, Field]] = {
        "move_ids": Field("many2many", "Moves", relation="account.move"),
        "checkbox_send_mail": Field("boolean", "Email", default=True),
        "checkbox_download": Field("boolean", "Download", default=True),
    }

    def _prepare_create(self, vals: Row) -> Row:
        if "move_ids" not in vals and self.context.get("active_model") == "account.move":
            vals["move_ids"] = [(6, 0, list(self.context.get("active_ids") or []))]
        return vals

    @api_multi
    def action_send_and_print(self) -> Any:
        wizard = self.ensure_one()
        moves = self.env["account.move"].sudo()
        move_ids = self.get(wizard, "move_ids")
        if not move_ids:
            raise UserError("You can only send sales documents.")
        if self.row(wizard).get("checkbox_send_mail"):
            raise UserError("The double sends no e-mail: set checkbox_send_mail to False.")
        attachments = self.env["ir.attachment"].sudo()
        for move in move_ids:
            row = moves.row(move)
            if row.get("move_type") not in ("out_invoice", "out_refund"):
                raise UserError("You can only send sales documents.")
            if row.get("state") != "posted":
                raise UserError("You can't Send & Print invoice(s) in draft state.")  # Odoo 17's words
            if row.get("x_double_pdf_error"):
                raise UserError(str(row["x_double_pdf_error"]))
        created = []
        for move in move_ids:
            row = moves.row(move)
            if not row.get("invoice_pdf_report_id"):
                kind = "Credit Note" if row.get("move_type") == "out_refund" else "Invoice"
                pdf = minimal_pdf(
                    [
                        f"{kind} {row.get('name')}",
                        f"Date: {row.get('invoice_date') or ''}",
                        f"Untaxed: {moves.get(move, 'amount_untaxed'):.2f}",
                        f"Tax: {moves.get(move, 'amount_tax'):.2f}",
                        f"Total: {moves.get(move, 'amount_total'):.2f}",
                    ]
                )
                [attachment] = attachments.create(
                    [
                        {
                            "name": f"{str(row.get('name')).replace('/', '_')}.pdf",
                            "res_model": "account.move",
                            "res_id": move,
                            "mimetype": "application/pdf",
                            "datas": base64.b64encode(pdf).decode("ascii"),
                        }
                    ]
                ).ids
                self.db.touch("account.move")[move]["invoice_pdf_report_id"] = attachment
            self.db.touch("account.move")[move]["is_move_sent"] = True
            created.append(int(self.db.table("account.move")[move]["invoice_pdf_report_id"]))
        return {"type": "ir.actions.act_url", "url": f"/web/content/{created[0]}?download=true"}


@register
class AccountMoveSendWizard(AccountMoveSend):
    """Odoo 18+ names the single-move wizard ``account.move.send.wizard`` (no checkbox fields)."""

    _name = "account.move.send.wizard"
    _description = "Account Move Send Wizard"
    _fields: ClassVar[dict[str, Field]] = {"checkbox_send_mail": Field("boolean", "Email", default=False)}


def _extend_moves() -> None:
    """Give the class serving ``account.move`` the PDF fields (idempotent)."""
    cls = REGISTRY["account.move"]
    for name, fld in MOVE_FIELDS.items():
        if name not in cls._all_fields:
            fld.name = name
            cls._all_fields[name] = fld
        own = cls.__dict__.get("_fields")
        if isinstance(own, dict) and name not in own:
            own[name] = fld  # subclasses made later inherit it


_extend_moves()
