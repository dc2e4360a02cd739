"""The front-desk console in a real headless Chromium: a clerk's whole visit, from login to the
referral, keyboard use, and an audit of labels, language and contrast on every page.

`CHASQUI_SCREENSHOTS=docs/images` saves the pages as docs/images/console-*.png.
"""

from __future__ import annotations

import re
from datetime import date

import httpx
from chasqui_common.events.registry import CseLevel, HouseholdRegistered
from chasqui_testing.browser import accessibility_problems, screenshot
from playwright.async_api import Page, expect

from ..integration.conftest import VES, Attention, dni, household, member, publish

CLERK = "rquispe"


async def registered_person(attention: Attention, number: str) -> str:
    """A household of Villa El Salvador registered through the registry's event; the citizen id
    once the service has taken it into its projection."""
    head = member(number, "Juana", date(1958, 6, 2))
    await publish(
        attention.bootstrap,
        "/chasqui/registry",
        HouseholdRegistered(
            household_id=f"H-{number}",
            household=household(head, level=CseLevel.POBRE_EXTREMO, household_id=f"H-{number}"),
        ),
    )

    async def known() -> str | None:
        answer = await attention.get("/v1/citizens", document_type="DNI", document_number=number)
        return str(answer.json()["citizen_id"]) if answer.status_code == 200 else None

    found: str = await attention.until(known, timeout=60)
    return found


async def audited(page: Page, name: str) -> None:
    """The page passes the accessibility audit; saved as a screenshot when asked."""
    assert await accessibility_problems(page) == [], f"{name}: {await accessibility_problems(page)}"
    await screenshot(page, name)


async def log_in(page: Page, base_url: str, office: str = "CIAM") -> None:
    await page.goto(f"{base_url}/console/")
    await expect(page).to_have_url(re.compile(r"/console/ingresar\?siguiente="))
    await page.get_by_label("Usuario").fill(CLERK)
    await page.get_by_label("Municipalidad").select_option(VES)
    await page.get_by_label("Oficina (obligatorio)").select_option(office)
    await page.get_by_role("button", name="Ingresar").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Buscar persona")


async def test_a_clerks_whole_visit_from_lookup_to_referral(attention: Attention, page: Page) -> None:
    number = dni()
    citizen_id = await registered_person(attention, number)
    base = attention.service.base_url

    await page.goto(f"{base}/console/")
    await audited(page, "ingresar")
    await log_in(page, base)
    cookie = next(c for c in await page.context.cookies() if c["name"] == "chasqui_console")
    assert cookie["httpOnly"]
    assert (cookie["sameSite"], cookie["path"]) == ("Strict", "/console")
    assert await page.evaluate("document.cookie") == ""  # no script can read the token
    await audited(page, "buscar")

    # Lookup by document: the registry's data, not asked again.
    await page.get_by_label("Tipo de documento").select_option("DNI")
    await page.get_by_label("Número de documento").fill(number)
    await page.get_by_role("button", name="Buscar").click()
    await expect(page).to_have_url(re.compile(f"/console/personas/{citizen_id}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Juana Quispe Huamán")
    facts = page.locator("dl.facts")
    await expect(facts).to_contain_text(f"DNI {number}")
    await expect(facts).to_contain_text("67 años")  # 2 June 1958 on the service's day, 9 March 2026
    await expect(facts).to_contain_text("pobre extremo")
    await expect(facts).to_contain_text("Padrón General de Hogares")
    await audited(page, "persona")

    # A ticket for CIAM enrolment, then called from the queue.
    await page.get_by_label("Oficina y trámite (obligatorio)", exact=True).select_option("CIAM|inscripcion")
    await page.get_by_role("button", name="Emitir turno").click()
    await expect(page.get_by_role("status")).to_have_text("Turno CIAM-001 emitido.")
    row = page.get_by_role("row", name=re.compile("CIAM-001"))
    await expect(row).to_contain_text("Juana Quispe")
    await expect(row).to_contain_text("emitido")
    await audited(page, "turnos")
    await row.get_by_role("button", name="Llamar el turno CIAM-001").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Registrar atención · CIAM-001")
    await expect(page.get_by_role("status")).to_have_text("Turno CIAM-001 llamado.")

    # The attention record: a step of the procedure, channel, outcome, minutes, notes.
    await page.get_by_label("Trámite y paso").select_option("inscripcion|evaluacion")
    await page.get_by_label("Canal").select_option("in_person")
    await page.get_by_label("Resultado").select_option("referred")
    await page.get_by_label("Duración (minutos)").fill("-5")
    await page.get_by_role("button", name="Registrar atención").click()
    # A refused value is shown beside its field, in Spanish, and nothing was recorded.
    await expect(page.locator("#duracion-error")).to_contain_text("minutos enteros")
    await expect(page.get_by_label("Duración (minutos)")).to_have_attribute("aria-invalid", "true")
    await audited(page, "atencion-error")
    await page.get_by_label("Duración (minutos)").fill("20")
    await page.get_by_label("Notas").fill("Requiere orientación sobre el certificado de discapacidad.")
    await audited(page, "atencion")
    await page.get_by_role("button", name="Registrar atención").click()
    await expect(page).to_have_url(re.compile(f"/console/personas/{citizen_id}"))
    await expect(page.get_by_role("status")).to_have_text("Atención del turno CIAM-001 registrada.")

    # A referral to the same office is the domain's refusal, worded beside the field.
    await page.get_by_label("Desde la oficina").select_option("CIAM")
    await page.get_by_label("Hacia la oficina y trámite").select_option("CIAM|talleres")
    await page.get_by_label("Motivo de la derivación").fill("Talleres")
    await page.get_by_role("button", name="Derivar").click()
    await expect(page.locator("#hacia-error")).to_contain_text("La derivación debe ir a otra oficina")
    await expect(page.locator("#hacia-error")).to_contain_text("Se esperaba una oficina distinta de CIAM")
    await expect(page.get_by_role("alert")).to_contain_text("La derivación debe ir a otra oficina")
    await audited(page, "derivacion-error")

    # Refer to OMAPED for the CONADIS certificate.
    await page.get_by_label("Hacia la oficina y trámite").select_option("OMAPED|certificado_conadis")
    await page.get_by_label("Motivo de la derivación").fill(
        "Orientación para el certificado y el carné CONADIS."
    )
    await page.get_by_role("button", name="Derivar").click()
    await expect(page.get_by_role("status")).to_contain_text("Derivación a OMAPED registrada; plazo hasta el")

    # The timeline across offices: the ticket, the attention and the referral.
    timeline = page.locator("ol.timeline li")
    await expect(timeline).to_have_count(3)
    await expect(page.locator("ol.timeline")).to_contain_text("Derivación")
    await expect(page.locator("ol.timeline")).to_contain_text("Atención")
    await expect(page.locator("ol.timeline")).to_contain_text("Turno")
    await audited(page, "historial")

    # What the API says happened is what the console did.
    answer = (await attention.get(f"/v1/citizens/{citizen_id}/timeline")).json()
    assert sorted(e["kind"] for e in answer["entries"]) == ["attention", "referral", "ticket"]

    # OMAPED's dashboard lists the referral received; the attention figures count the visit.
    await page.goto(f"{base}/console/panel?oficina=OMAPED")
    received = page.get_by_role("row", name=re.compile("CIAM"))
    await expect(received).to_contain_text("Orientación para el certificado y el carné CONADIS.")
    await expect(received).to_contain_text("pendiente")
    await audited(page, "panel")
    await page.goto(f"{base}/console/cifras?tramite=CIAM%7Cinscripcion")
    await expect(
        page.get_by_role("table", name="Atenciones por oficina, trámite, día y sector")
    ).to_contain_text("Inscripción en el CIAM")
    await expect(page.get_by_role("table", name="Pasos", exact=True)).to_contain_text("Evaluacion")
    await audited(page, "cifras")


async def test_the_login_form_is_usable_with_the_keyboard_alone(attention: Attention, page: Page) -> None:
    await page.goto(f"{attention.service.base_url}/console/ingresar")
    focused = "document.activeElement.id || document.activeElement.textContent.trim()"

    await page.keyboard.press("Tab")
    assert await page.evaluate(focused) == "Saltar al contenido principal"
    assert await page.evaluate("getComputedStyle(document.activeElement).left") == "0px"  # shown on focus
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "contenido"

    await page.keyboard.press("Tab")
    assert await page.evaluate(focused) == "usuario"
    # Focus is visible: the focused input gets the yellow focus outline.
    assert await page.evaluate("getComputedStyle(document.activeElement).outlineColor") == "rgb(255, 221, 0)"
    await page.keyboard.type(CLERK)
    await page.keyboard.press("Tab")
    assert await page.evaluate(focused) == "municipalidad"
    await page.keyboard.press("Tab")
    assert await page.evaluate(focused) == "oficina"
    await page.keyboard.press("End")  # the last office: supervision, read only
    await page.keyboard.press("Tab")
    assert await page.evaluate(focused) == "Ingresar"
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Buscar persona")
    await expect(page.locator(".who")).to_have_text(f"{CLERK} · SUPERVISION")
    # Read-only: the person page offers no ticket or referral forms (the scopes say so).
    assert await accessibility_problems(page) == []


async def test_a_wrong_user_name_is_shown_beside_the_field(attention: Attention, page: Page) -> None:
    await page.goto(f"{attention.service.base_url}/console/ingresar")
    await page.get_by_label("Usuario").fill("R Quispe!")
    await page.get_by_label("Municipalidad").select_option(VES)
    await page.get_by_label("Oficina (obligatorio)").select_option("ULE")
    await page.get_by_role("button", name="Ingresar").click()
    await expect(page.locator("#usuario-error")).to_contain_text("letras minúsculas")
    await expect(page.get_by_label("Usuario")).to_have_attribute("aria-invalid", "true")
    assert await accessibility_problems(page) == []
    assert not [c for c in await page.context.cookies() if c["name"] == "chasqui_console"]


async def test_pages_need_a_session_and_forms_must_come_from_the_console(attention: Attention) -> None:
    base = attention.service.base_url
    citizen_id = await attention.counter_citizen(dni(), name="Rosa")
    async with httpx.AsyncClient(base_url=base, follow_redirects=False) as browserless:
        refused = await browserless.get("/console/turnos?oficina=ULE")
        assert refused.status_code == 303
        assert refused.headers["location"].startswith(
            "/console/ingresar?siguiente=%2Fconsole%2Fturnos%3Foficina%3DULE"
        )

        login = {"usuario": CLERK, "municipalidad": VES, "oficina": "ULE", "siguiente": "/console/turnos"}
        forged = await browserless.post(
            "/console/ingresar", data=login, headers={"Origin": "https://otro.example"}
        )
        assert forged.status_code == 403
        assert "chasqui_console" not in forged.cookies

        signed_in = await browserless.post("/console/ingresar", data=login, headers={"Origin": base})
        assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/console/turnos")
        # Another site's form posting with the clerk's cookie is refused, and issues nothing.
        issued = await browserless.post(
            f"/console/personas/{citizen_id}/turnos",
            data={"tramite": "ULE|S100"},
            headers={"Origin": "https://otro.example"},
        )
        assert issued.status_code == 403
        assert issued.json()["type"] == "https://chasqui.pe/problems/not-permitted"
        tickets = (await attention.get("/v1/tickets", municipality=VES, office="ULE")).json()
        assert [t for t in tickets if t["citizen_id"] == citizen_id] == []

        # A login never sends the clerk to another site.
        elsewhere = await browserless.post(
            "/console/ingresar",
            data={**login, "siguiente": "https://otro.example/"},
            headers={"Origin": base},
        )
        assert elsewhere.headers["location"] == "/console/"


async def test_a_ciam_clerk_sees_that_demuna_attended_but_not_what(attention: Attention, page: Page) -> None:
    citizen_id = await attention.counter_citizen(dni(), name="Luz")
    recorded = await attention.post(
        "/v1/attentions",
        {
            "municipality": VES,
            "office": "DEMUNA",
            "procedure": "conciliacion_alimentos",
            "citizen_id": citizen_id,
            "staff": "demuna-1",
            "outcome": "in_progress",
            "duration_seconds": 1800,
            "notes": "Acuerdo de alimentos en curso.",
        },
        "attention:read",
        "attention:write",
        "attention:demuna",
    )
    assert recorded.status_code == 201, recorded.text
    await log_in(page, attention.service.base_url, office="CIAM")
    await page.goto(f"{attention.service.base_url}/console/personas/{citizen_id}")
    entry = page.locator("ol.timeline li")
    await expect(entry).to_have_count(1)
    await expect(entry).to_contain_text("DEMUNA")
    await expect(entry).to_contain_text("contenido reservado de la DEMUNA")
    await expect(entry).not_to_contain_text("alimentos")
    await expect(entry).not_to_contain_text("Acuerdo")
    await screenshot(page, "historial-reservado")
