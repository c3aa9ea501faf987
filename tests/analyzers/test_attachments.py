"""The attachments analyzer end to end: each harmless sample gives its finding; clean files give none."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rempart.analyzers import attachments
from rempart.analyzers.base import Context, Resources
from rempart.catalogue import Catalogue
from rempart.config import Config, PayloadSettings
from rempart.engine.engine import Engine
from rempart.findings import Finding
from rempart.message.model import Message
from tests.analyzers.payload import samples

Run = Callable[[Message], list[Finding]]


def _runner(config: Config) -> Run:
    resources = Resources(config)

    def run(message: Message) -> list[Finding]:
        return list(attachments.analyze(message, Context(config, resources)))

    return run


@pytest.fixture(scope="module")
def run() -> Run:
    return _runner(Config())


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return samples.zip_bomb(300)  # 300 MB of zeros, about 300 kB compressed


def codes(found: list[Finding], minimum: float = 0.0) -> dict[str, float]:
    best: dict[str, float] = {}
    for f in found:
        if f.weight >= minimum:
            best[f.code] = max(best.get(f.code, 0.0), f.weight)
    return best


def one(found: list[Finding], code: str) -> Finding:
    matching = [f for f in found if f.code == code]
    assert matching, f"no {code} in {[f.code for f in found]}"
    return max(matching, key=lambda f: f.weight)


# -- what must be found --------------------------------------------------------------------------------


def test_zip_holding_a_double_extension_script(run: Run) -> None:
    zipped = samples.zip_of({"factures/x.pdf.js": samples.DROPPER_JS})
    found = run(samples.message("Ci-joint la facture.", [("facture.zip", zipped, "application/zip")]))
    member = one(found, "attachment.archive_dangerous_member")
    assert member.weight == pytest.approx(0.7)
    assert member.evidence["location"] == "facture.zip/factures/x.pdf.js"
    assert member.evidence["filename"] == "facture.zip" and len(member.evidence["sha256"]) == 64
    assert one(found, "attachment.double_extension").evidence["real_extension"] == "js"
    assert one(found, "attachment.yara_match").evidence["rule"].startswith("rempart_script")


def test_encrypted_zip_with_the_password_in_the_body_is_opened(run: Run) -> None:
    zipped = samples.encrypted_zip({"releve.pdf.js": samples.DROPPER_JS}, "Fact-2024!")
    body = "Bonjour,\nvoici votre relevé. Pour l'ouvrir, le mot de passe est : Fact-2024!\nCordialement"
    found = run(samples.message(body, [("releve.zip", zipped, "application/zip")]))
    opened = one(found, "attachment.encrypted_archive_password_in_body")
    assert opened.weight == pytest.approx(0.8)  # it holds a script
    assert opened.evidence["password"] == "Fact-2024!"
    # opened, so the member's content was read: the YARA rules saw the script
    assert any(
        f.code == "attachment.yara_match" and f.evidence["location"].startswith("releve.zip/releve.pdf.js")
        for f in found
    )


def test_encrypted_zip_without_password_is_flagged_by_member_names(run: Run) -> None:
    zipped = samples.encrypted_zip({"scan.vbs": b"x"}, "s3cret-unknown")
    found = run(samples.message("Voir pièce jointe.", [("scan.zip", zipped, "application/zip")]))
    assert codes(found)["attachment.encrypted_archive"] == pytest.approx(0.5)
    assert "attachment.archive_dangerous_member" in codes(found)
    assert "attachment.encrypted_archive_password_in_body" not in codes(found)


def test_zip_bomb_is_a_finding_not_a_crash(run: Run, bomb: bytes) -> None:
    found = run(samples.message("Archives.", [("archives.zip", bomb, "application/zip")]))
    assert one(found, "attachment.archive_bomb").evidence["member"] == "donnees.bin"


def test_zip_bomb_read_without_ratio_bound_hits_the_memory_limit(bomb: bytes) -> None:
    loose = Config(
        payload=PayloadSettings(max_compression_ratio=1e9, max_expanded_bytes=10**10, memory_mb=64, timeout_seconds=20)
    )
    found = _runner(loose)(samples.message("Archives.", [("archives.zip", bomb, "application/zip")]))
    assert one(found, "attachment.analysis_limit").weight == pytest.approx(0.2)


def test_a_file_that_takes_too_long_is_cut_at_the_deadline(bomb: bytes) -> None:
    # Without the ratio bound, inflating 300 MB takes longer than the 0.3 s budget: the worker is killed.
    loose = Config(
        payload=PayloadSettings(
            max_compression_ratio=1e9, max_expanded_bytes=10**10, memory_mb=2048, timeout_seconds=0.3
        )
    )
    run = _runner(loose)
    run(samples.message("Bonjour.", [("a.txt", b"warm the worker", "text/plain")]))
    started = time.monotonic()
    found = run(
        samples.message(
            "Archives.",
            [
                ("archives.zip", bomb, "application/zip"),
                ("autre.pdf", samples.pdf_with_open_action_js(), "application/pdf"),
            ],
        )
    )
    assert time.monotonic() - started < 2.0
    assert one(found, "attachment.analysis_timeout").evidence["filename"] == "archives.zip"
    skipped = [f for f in found if f.code == "attachment.analysis_timeout" and f.evidence.get("skipped")]
    assert [f.evidence["filename"] for f in skipped] == ["autre.pdf"]


def test_analysis_writes_nothing_to_the_temporary_directory(tmp_path: Path) -> None:
    previous = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)  # inherited by the worker, which is forked after this
    try:
        run = _runner(Config())
        run(
            samples.message(
                "Mot de passe : Bdx2024",
                [
                    (
                        "a.zip",
                        samples.encrypted_zip({"x.js": samples.DROPPER_JS}, "Bdx2024"),
                        "application/zip",
                    ),
                    ("b.7z", samples.seven_zip({"y.vbs": b"x"}), "application/octet-stream"),
                    ("c.iso", samples.iso_with({"d.lnk": samples.lnk()}), "application/octet-stream"),
                    ("d.docm", samples.docm(), "application/octet-stream"),
                    ("e.docx", samples.encrypt_office(samples.docx(), "Bdx2024"), "application/octet-stream"),
                    ("f.pdf", samples.pdf_with_qr_image("https://a.example.invalid/"), "application/pdf"),
                ],
            )
        )
    finally:
        tempfile.tempdir = previous
    assert list(tmp_path.iterdir()) == []


def test_html_smuggling_page(run: Run) -> None:
    found = run(samples.message("Document.", [("Facture.html", samples.html_smuggling(), "text/html")]))
    smuggling = one(found, "attachment.html_smuggling")
    assert smuggling.weight == pytest.approx(0.8)
    assert smuggling.evidence["dropped_file"] == "Facture_2024.iso"


def test_credential_form_attachment_and_its_urls_for_the_links_analyzer(run: Run) -> None:
    found = run(samples.message("Reconnectez-vous.", [("Microsoft365.htm", samples.credential_page(), "text/html")]))
    form = one(found, "attachment.html_credential_form")
    assert form.weight == pytest.approx(0.7)
    assert form.evidence["posts_to"] == "https://collect.example.invalid/post.php"
    urls = one(found, "attachment.embedded_urls")
    assert urls.weight == 0 and urls.evidence["origin"] == "html"
    assert "https://collect.example.invalid/post.php" in urls.evidence["urls"]


_CLICKFIX = b"""<html><body><p>V\xc3\xa9rifiez que vous n'\xc3\xaates pas un robot.</p>
<div onclick="verify()">Je ne suis pas un robot</div>
<div id="steps">1. Appuyez sur la touche Windows + R<br>2. Appuyez sur Ctrl + V<br>3. Appuyez sur Entr\xc3\xa9e</div>
<script>function verify(){ navigator.clipboard.writeText("powershell -NoProfile -Command \\"Write-Host test\\"");
document.getElementById("steps").style.display = "block"; }</script></body></html>"""


def test_clickfix_page_copying_a_command_for_the_run_box(run: Run) -> None:
    found = run(samples.message("Le document.", [("Situation.html", _CLICKFIX, "text/html")]))
    clickfix = one(found, "attachment.html_clipboard_command")
    assert clickfix.weight == pytest.approx(0.8) and clickfix.evidence["instructions"]
    assert clickfix.evidence["command"].lower() == "powershell"


def test_a_page_with_a_copy_button_for_a_reference_is_no_clickfix(run: Run) -> None:
    page = (b"<html><body><p>Votre code de r\xc3\xa9servation : ABC123</p><button onclick=\"navigator.clipboard."
            b"writeText('ABC123')\">Copier</button></body></html>")
    found = run(samples.message("Votre r\u00e9servation.", [("reservation.html", page, "text/html")]))
    assert "attachment.html_clipboard_command" not in codes(found)


def test_pdf_with_open_action_javascript(run: Run) -> None:
    found = run(samples.message("Relevé.", [("releve.pdf", samples.pdf_with_open_action_js(), "application/pdf")]))
    script = one(found, "attachment.pdf_javascript")
    assert script.weight == pytest.approx(0.6) and script.evidence["trigger"] == "open"


def test_pdf_embedded_script_is_judged_like_an_archive_member(run: Run) -> None:
    pdf = samples.pdf_with_attachment("lisezmoi.js", samples.DROPPER_JS)
    found = run(samples.message("Dossier.", [("dossier.pdf", pdf, "application/pdf")]))
    embedded = one(found, "attachment.embedded_dangerous_file")
    assert embedded.evidence["location"] == "dossier.pdf/lisezmoi.js"


def test_hybrid_e_invoice_data_is_not_reported_as_an_embedded_file(run: Run) -> None:
    """A Factur-X / ZUGFeRD invoice is a PDF carrying its XML under the name its standard prescribes: the rule
    on PDF active content must not read every French invoice of the 2026 reform as one. Another name, or a
    file that is not XML under that name, is still an embedded file."""
    xml = b"\xef\xbb\xbf<?xml version='1.0'?><rsm:CrossIndustryInvoice/>"
    invoice = samples.pdf_with_attachment("factur-x.xml", xml)
    found = run(samples.message("Facture.", [("F-2026-0917.pdf", invoice, "application/pdf")]))
    assert one(found, "attachment.pdf_einvoice_data").evidence["location"] == "F-2026-0917.pdf/factur-x.xml"
    assert not [f for f in found if f.code == "attachment.pdf_embedded_file"]
    for name, data in (("annexe.xml", b"<a/>"), ("factur-x.xml", b"MZ\x90\x00")):
        pdf = samples.pdf_with_attachment(name, data)
        other = run(samples.message("Facture.", [("f.pdf", pdf, "application/pdf")]))
        assert one(other, "attachment.pdf_embedded_file").evidence["location"] == f"f.pdf/{name}"


def test_qr_code_image_to_a_lookalike_login_page(run: Run) -> None:
    url = "https://login.micr0soft-secure.example/auth?u=achats"
    image = samples.png(samples.qr_image(url))
    found = run(samples.message("Scannez le code pour valider.", [("code.png", image, "image/png")]))
    qr = one(found, "attachment.qr_code_url")
    assert qr.evidence["url"] == url and qr.evidence["host"] == "login.micr0soft-secure.example"
    assert 0.3 <= qr.weight <= 0.5
    urls = one(found, "attachment.embedded_urls")
    assert urls.evidence == {**urls.evidence, "urls": [url], "origin": "qr", "location": "code.png"}


def test_a_qr_code_to_the_proven_senders_own_site_is_a_fact_not_a_lure() -> None:
    """A known hotel's flyer points to its own booking page: once authentication proved the From domain of a known
    partner (auth.trusted_sender), the QR code is reported as attachment.qr_code_own_site with no weight. A QR code
    to another site, or the same one with no proven sender, stays a lure."""
    config = Config()
    image = samples.png(samples.qr_image("https://www.hotel-exemple.fr/groupes/reservation"))
    message = samples.message("Réservez en scannant le QR.", [("flyer.png", image, "image/png")])
    trusted = Finding("auth.trusted_sender", -0.3, {"domain": "hotel-exemple.fr", "target_kind": "vendor"})
    found = list(attachments.analyze(message, Context(config, Resources(config), findings=[trusted])))
    own = one(found, "attachment.qr_code_own_site")
    assert own.weight == 0 and own.evidence["host"] == "www.hotel-exemple.fr"
    assert "attachment.qr_code_url" not in codes(found)
    elsewhere = Finding("auth.trusted_sender", -0.3, {"domain": "autre-hotel.fr", "target_kind": "vendor"})
    found = list(attachments.analyze(message, Context(config, Resources(config), findings=[elsewhere])))
    assert codes(found)["attachment.qr_code_url"] > 0.3
    found = list(attachments.analyze(message, Context(config, Resources(config))))
    assert codes(found)["attachment.qr_code_url"] > 0.3


def test_qr_code_inside_a_pdf_page_image(run: Run) -> None:
    url = "https://sharepoint-docs.example.invalid/view"
    found = run(samples.message("Document.", [("doc.pdf", samples.pdf_with_qr_image(url), "application/pdf")]))
    assert one(found, "attachment.qr_code_url").evidence["url"] == url


def test_qr_code_drawn_with_vector_squares_in_a_pdf(run: Run) -> None:
    url = "https://parking-acces.example.invalid/activer"
    found = run(samples.message("Accès parking.", [("acces.pdf", samples.pdf_with_vector_qr(url), "application/pdf")]))
    assert one(found, "attachment.qr_code_url").evidence["url"] == url


def test_iso_holding_a_shortcut(run: Run) -> None:
    iso = samples.iso_with({"Facture.pdf.lnk": samples.lnk(), "lisezmoi.txt": b"Bonjour"})
    found = run(samples.message("Facture.", [("Facture.iso", iso, "application/octet-stream")]))
    payload = one(found, "attachment.disk_image_payload")
    assert payload.weight == pytest.approx(0.85)
    assert payload.evidence["location"] == "Facture.iso/Facture.pdf.lnk"
    assert one(found, "attachment.dangerous_type").evidence["category"] == "disk_image"


def test_macro_that_runs_on_open_and_downloads(run: Run) -> None:
    found = run(
        samples.message("Merci d'activer le contenu.", [("commande.docm", samples.docm(), "application/octet-stream")])
    )
    macro = one(found, "attachment.macro_auto_exec_and_run")
    assert macro.weight == pytest.approx(0.9)
    assert "Module1.bas" in macro.evidence["macros"]
    assert macro.evidence["auto_exec"].lower() == "autoopen"
    assert one(found, "attachment.yara_match").evidence["rule"] == "rempart_vba_auto_download_execute"


def test_ole_vba_project_alone(run: Run) -> None:
    data = (samples.SAMPLES / "auto_open_download.vbaProject.bin").read_bytes()
    found = run(samples.message("Fichier.", [("projet.bin", data, "application/octet-stream")]))
    assert codes(found)["attachment.macro_auto_exec_and_run"] == pytest.approx(0.9)


def test_encrypted_office_document_opened_with_the_body_password(run: Run) -> None:
    locked = samples.encrypt_office(samples.docm(), "Bdx2024")
    body = "Le document est protégé. Mot de passe : Bdx2024"
    found = run(samples.message(body, [("commande.docx", locked, "application/octet-stream")]))
    assert one(found, "attachment.encrypted_document_password_in_body").evidence["password"] == "Bdx2024"
    assert "attachment.macro_auto_exec_and_run" in codes(found)


def test_remote_template_and_dde(run: Run) -> None:
    template = samples.docx_remote_template("http://templates.example.invalid/t.dotm")
    found = run(
        samples.message(
            "Contrat.",
            [
                ("contrat.docx", template, "application/octet-stream"),
                ("note.docx", samples.docx_dde(), "application/octet-stream"),
            ],
        )
    )
    remote = one(found, "attachment.office_remote_content")
    assert remote.weight == pytest.approx(0.8) and remote.evidence["kind"] == "template"
    assert "cmd.exe" in one(found, "attachment.dde").evidence["command"]


def test_seven_zip_and_tar_gz_members(run: Run) -> None:
    found = run(
        samples.message(
            "Pièces.",
            [
                (
                    "pieces.7z",
                    samples.seven_zip({"bon.pdf.exe": b"not really a program"}),
                    "application/octet-stream",
                ),
                (
                    "logs.tar.gz",
                    samples.tar_gz({"run/outil.ps1": b"Write-Output 'test'"}),
                    "application/gzip",
                ),
            ],
        )
    )
    locations = {f.evidence["location"] for f in found if f.code == "attachment.archive_dangerous_member"}
    assert locations == {"pieces.7z/bon.pdf.exe", "logs.tar.gz/logs.tar/run/outil.ps1"}


def test_onenote_embedding_a_script(run: Run) -> None:
    hta = b'<HTA:APPLICATION id="x"><script language="VBScript">CreateObject("WScript.Shell")</script>'
    found = run(samples.message("Note.", [("note.one", samples.onenote_with(hta), "application/octet-stream")]))
    assert codes(found)["attachment.dangerous_type"] == pytest.approx(0.5)
    assert one(found, "attachment.yara_match").evidence["rule"] == "rempart_onenote_embedded_script"


def test_names_that_lie(run: Run) -> None:
    found = run(
        samples.message(
            "Facture.",
            [
                ("facture\u202efdp.exe", b"MZ" + bytes(200), "application/octet-stream"),
                ("facture.pdf          .exe", b"MZ" + bytes(200), "application/octet-stream"),
                ("releve.pdf", samples.credential_page(), "application/pdf"),
            ],
        )
    )
    by_name = {f.evidence["filename"]: f for f in found if f.code == "attachment.deceptive_name"}
    assert by_name["facture\u202efdp.exe"].weight == pytest.approx(0.8)
    double = one(found, "attachment.double_extension")
    assert double.evidence["padding"] == "yes" and double.weight == pytest.approx(0.7)
    mismatch = one(found, "attachment.type_mismatch")
    assert mismatch.evidence["true_type"] == "text/html" and mismatch.weight == pytest.approx(0.3)


# -- what must not be found ----------------------------------------------------------------------------


def test_clean_documents_images_and_archives_give_no_finding(run: Run) -> None:
    found = run(
        samples.message(
            "Veuillez trouver nos documents.",
            [
                (
                    "facture.pdf",
                    samples.pdf_with_link("https://www.fournisseur.example/paiement"),
                    "application/pdf",
                ),
                (
                    "contrat.docx",
                    samples.docx(),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ),
                ("photo.jpg", samples.jpeg(samples.photo()), "image/jpeg"),
                ("schema.png", samples.png(samples.photo()), "image/png"),
                (
                    "pieces.zip",
                    samples.zip_of({"devis.pdf": samples.pdf_with_link("https://www.example.com/")}),
                    "application/zip",
                ),
                (
                    "Facture-X.pdf",
                    samples.pdf_with_attachment("factur-x.xml", b"<rsm:CrossIndustryInvoice/>"),
                    "application/pdf",
                ),
            ],
        )
    )
    assert codes(found, minimum=0.01) == {}
    origins = {f.evidence["origin"] for f in found if f.code == "attachment.embedded_urls"}
    assert origins == {"pdf", "ooxml"}  # still handed to the links analyzer


def test_a_message_without_attachments_costs_nothing(run: Run) -> None:
    assert run(samples.message("Bonjour", [])) == []


# -- contract ------------------------------------------------------------------------------------------


def test_every_code_has_english_and_french_text() -> None:
    catalogue = Catalogue.load_shipped()
    for code in attachments.CODES:
        assert catalogue.has(code, "en") and catalogue.has(code, "fr"), code


def test_registered_before_links() -> None:
    from rempart.analyzers.registry import ANALYZERS

    names = [name for name, _ in ANALYZERS]
    assert names.index("attachments") < names.index("links")


def test_through_the_engine_a_macro_downloader_is_malicious() -> None:
    engine = Engine(Config())
    msg = samples.message("Activez les macros.", [("commande.docm", samples.docm(), "application/octet-stream")])
    verdict = engine.scan_message(msg)
    assert verdict.level.value == "malicious"
    assert any(r.code == "attachment.macro_auto_exec_and_run" for r in verdict.reasons)


def test_an_svg_picture_drawn_around_a_web_link(run: Run) -> None:
    """A 'voicemail' sent as an SVG: no script, only a player drawn around a link the message's own links lack."""
    svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           b'<a xlink:href="https://ecoute.voix-exemple.example/m/7a41?u=a%40b.example"><circle r="24"/>'
           b'<text>Ecouter le message</text></a></svg>')
    found = run(samples.message("Vous avez un nouveau message vocal.", [("Message_vocal.svg", svg, "image/svg+xml")]))
    assert one(found, "attachment.svg_link").evidence["url"].startswith("https://ecoute.voix-exemple.example/")
    logo = b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>'
    assert "attachment.svg_link" not in codes(run(samples.message("Logo.", [("logo.svg", logo, "image/svg+xml")])))
