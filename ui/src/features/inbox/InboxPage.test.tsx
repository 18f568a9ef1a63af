import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InvokeArgs } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { beforeEach, describe, expect, it } from "vitest";
import type { AppError, ConversationFilter, ConversationRow, Job, Page, ReplyTemplate, SellerAccount, ThreadView } from "../../bindings";
import { normalizeSpaces, renderWithProviders } from "../../test/utils";
import { resetJobWatchForTests } from "../jobs/queries";
import { InboxPage } from "./InboxPage";
import { answerFailure, counterProblem, isSendShortcut, offerAnswerPending, pendingAnswer } from "./inboxText";

const account: SellerAccount = {
  id: "acc-1",
  name: "Boutique Marie",
  username: "marie_vend",
  email: null,
  avatar: null,
  vintedBaseUrl: "https://www.vinted.fr",
  proxy: null,
  isConnected: true,
  isRunning: true,
  lastSessionStart: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
  hasVintedPassword: false,
  hasProxyPassword: false,
  hasVncPassword: false,
};

const offerThread: ConversationRow = {
  id: "conv-1",
  accountId: "acc-1",
  accountName: "Boutique Marie",
  buyerName: "bob_offres",
  buyerAvatar: null,
  itemTitle: "Robe Sézane",
  itemThumbnail: null,
  itemPriceCents: 5000,
  lastMessage: "Je te propose 40 €",
  lastMessageTime: "2026-12-07T10:00:00.000Z",
  unreadCount: 2,
  pendingOffer: true,
  answerable: true,
  offerMinCents: 3000,
  offerMaxCents: 5000,
};

const readThread: ConversationRow = {
  ...offerThread,
  id: "conv-2",
  accountId: "acc-2",
  accountName: "Vintage Jo",
  buyerName: "acheteuse_marie",
  itemTitle: "Sac Longchamp",
  lastMessage: "Merci !",
  unreadCount: 0,
  pendingOffer: false,
  offerMinCents: null,
  offerMaxCents: null,
};

const job = (over: Partial<Job>): Job => ({
  id: "job-1",
  accountId: "acc-1",
  kind: "send_reply",
  payload: {},
  state: "queued",
  checkpoint: null,
  progressDone: 0,
  progressTotal: 1,
  dryRun: false,
  cancelRequested: false,
  notBefore: null,
  attempts: 0,
  failures: 0,
  errorCode: null,
  errorMessage: null,
  result: null,
  createdAt: "2026-12-07T10:00:00.000Z",
  updatedAt: "2026-12-07T10:00:00.000Z",
  finishedAt: null,
  ...over,
});

function view(over: Partial<ThreadView> = {}): ThreadView {
  return {
    conversation: offerThread,
    items: [
      {
        id: "m1",
        kind: "message",
        at: "2026-12-07T09:00:00.000Z",
        isMe: false,
        senderName: "bob_offres",
        text: "Bonjour, toujours dispo ?",
        detail: null,
        imageUrl: "https://images.vinted.example/m1.jpg",
        amountCents: null,
        offerStatus: null,
        parentOfferId: null,
      },
      {
        id: "o1",
        kind: "offer",
        at: "2026-12-07T10:00:00.000Z",
        isMe: false,
        senderName: "bob_offres",
        text: null,
        detail: null,
        imageUrl: null,
        amountCents: 4000,
        offerStatus: "pending",
        parentOfferId: null,
      },
      {
        id: "e1",
        kind: "event",
        at: "2026-12-07T10:05:00.000Z",
        isMe: false,
        senderName: null,
        text: "Commande payée",
        detail: "Envoie le colis",
        imageUrl: null,
        amountCents: null,
        offerStatus: null,
        parentOfferId: null,
      },
    ],
    pending: [],
    recentFailures: [],
    ...over,
  };
}

const template: ReplyTemplate = {
  id: "tpl-1",
  name: "Dispo",
  body: "Oui, toujours disponible !",
  createdAt: "2026-12-01T00:00:00.000Z",
  updatedAt: "2026-12-01T00:00:00.000Z",
};

type Calls = { cmd: string; payload: Record<string, unknown> }[];

function backend(options: { rows?: ConversationRow[]; thread?: () => ThreadView; answer?: (cmd: string, p: Record<string, unknown>) => unknown } = {}) {
  const calls: Calls = [];
  const rows = options.rows ?? [offerThread, readThread];
  mockIPC((cmd: string, payload?: InvokeArgs) => {
    const p = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, payload: p });
    const out = options.answer?.(cmd, p);
    if (out !== undefined) return out;
    if (cmd === "get_settings") return { language: "fr", systemLanguage: "fr-FR" };
    if (cmd === "list_seller_accounts") return [account];
    if (cmd === "watch_jobs") return null;
    if (cmd === "list_conversations") {
      const filter = p.filter as ConversationFilter;
      const items = filter.unreadOnly ? rows.filter((r) => r.unreadCount > 0) : rows;
      return { items, total: items.length, page: filter.page, perPage: filter.perPage } satisfies Page<ConversationRow>;
    }
    if (cmd === "get_thread") return (options.thread ?? view)();
    if (cmd === "list_reply_templates") return [template];
    if (cmd === "send_reply") return job({ kind: "send_reply", payload: { conversationId: p.conversationId, body: p.body } });
    if (cmd === "answer_offer") return job({ kind: "answer_offer", payload: p });
    if (cmd === "import_inbox") return [job({ kind: "import_inbox" })];
    throw { code: "internal", message: `unexpected command ${cmd}`, fields: [] } satisfies AppError;
  });
  return { calls, of: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.payload) };
}

describe("the inbox", () => {
  beforeEach(() => resetJobWatchForTests());

  it("lists every account's threads with unread marks and account names, and says when there are none", async () => {
    const ipc = backend();
    renderWithProviders(<InboxPage />);
    const list = await screen.findByTestId("inbox-list");
    const rows = within(list).getAllByRole("button");
    expect(rows).toHaveLength(2);
    expect(normalizeSpaces(rows[0].textContent)).toContain("bob_offres");
    expect(normalizeSpaces(rows[0].textContent)).toContain("2 non lus");
    expect(normalizeSpaces(rows[0].textContent)).toContain("Offre à traiter");
    expect(normalizeSpaces(rows[0].textContent)).toContain("Boutique Marie");
    expect(normalizeSpaces(rows[1].textContent)).toContain("Vintage Jo");
    expect(within(rows[1]).queryByTestId("inbox-unread")).toBeNull();

    await userEvent.click(screen.getByTestId("inbox-unread-only"));
    await waitFor(() => expect(within(screen.getByTestId("inbox-list")).getAllByRole("button")).toHaveLength(1));
    expect(ipc.of("list_conversations").at(-1)?.filter).toMatchObject({ unreadOnly: true, page: 1 });

    await userEvent.click(screen.getByTestId("inbox-read-now"));
    expect(await screen.findByText(/Lecture de la messagerie demandée pour 1 compte/)).toBeTruthy();
    expect(ipc.of("import_inbox")).toEqual([{ accountId: null }]);
  });

  it("shows an empty state", async () => {
    backend({ rows: [] });
    renderWithProviders(<InboxPage />);
    expect(normalizeSpaces((await screen.findByTestId("inbox-empty")).textContent)).toContain("Aucune conversation pour l’instant");
  });

  it("opens a thread with its messages, photos, offers and events, and sends a reply from a template with Ctrl+Enter", async () => {
    let pending: Job[] = [];
    const ipc = backend({ thread: () => view({ pending }) });
    renderWithProviders(<InboxPage />);
    await userEvent.click(await screen.findByTestId("inbox-row-conv-1"));
    const thread = await screen.findByTestId("inbox-thread");
    expect(normalizeSpaces(within(thread).getByTestId("inbox-message").textContent)).toContain("Bonjour, toujours dispo ?");
    const photo = within(thread).getByTestId("inbox-photo");
    expect(photo.textContent).toBe("Photo envoyée par bob_offres (visible sur Vinted)");
    expect(photo.getAttribute("title")).toBe("https://images.vinted.example/m1.jpg");
    expect(normalizeSpaces(within(thread).getByTestId("inbox-offer").textContent)).toContain("Offre : 40,00 €");
    expect(normalizeSpaces(within(thread).getByTestId("inbox-offer").textContent)).toContain("En attente");
    expect(normalizeSpaces(within(thread).getByTestId("inbox-event").textContent)).toContain("Commande payée");

    const picker = await screen.findByTestId("inbox-template-picker");
    await waitFor(() => expect(within(picker).getByRole("option", { name: "Dispo" })).toBeTruthy());
    await userEvent.selectOptions(picker, "tpl-1");
    const box = screen.getByTestId("inbox-reply-body");
    expect((box as HTMLTextAreaElement).value).toBe("Oui, toujours disponible !");
    await userEvent.type(box, " Envoi demain.");
    pending = [job({ kind: "send_reply", payload: { conversationId: "conv-1", body: "Oui, toujours disponible ! Envoi demain." } })];
    await userEvent.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(ipc.of("send_reply")).toHaveLength(1));
    expect(ipc.of("send_reply")[0]).toEqual({ conversationId: "conv-1", body: "Oui, toujours disponible ! Envoi demain.", dryRun: false });
    expect(normalizeSpaces((await screen.findByTestId("inbox-pending")).textContent)).toContain("Réponse « Oui, toujours disponible ! Envoi demain. » — en file d’attente");
    expect((box as HTMLTextAreaElement).value).toBe("");
  });

  it("does not send an empty reply", async () => {
    const ipc = backend();
    renderWithProviders(<InboxPage />);
    await userEvent.click(await screen.findByTestId("inbox-row-conv-1"));
    await userEvent.click(await screen.findByTestId("inbox-reply-send"));
    expect(normalizeSpaces((await screen.findByTestId("inbox-reply-problem")).textContent)).toContain("Le message est vide.");
    expect(ipc.of("send_reply")).toHaveLength(0);
  });

  it("shows the range Vinted allows, refuses a counter outside it without asking, and queues accept and counter", async () => {
    const ipc = backend();
    renderWithProviders(<InboxPage />);
    await userEvent.click(await screen.findByTestId("inbox-row-conv-1"));
    expect(normalizeSpaces((await screen.findByTestId("inbox-offer-range")).textContent)).toBe("Vinted accepte une contre-offre de 30,00 € à 50,00 €.");

    await userEvent.click(screen.getByTestId("inbox-counter"));
    await userEvent.type(screen.getByTestId("inbox-counter-price"), "25");
    await userEvent.click(screen.getByTestId("inbox-counter-send"));
    expect(normalizeSpaces((await screen.findByTestId("inbox-offer-problem")).textContent)).toContain("entre 30,00 € et 50,00 €");
    expect(ipc.of("answer_offer")).toHaveLength(0);

    await userEvent.clear(screen.getByTestId("inbox-counter-price"));
    await userEvent.type(screen.getByTestId("inbox-counter-price"), "45,50");
    await userEvent.click(screen.getByTestId("inbox-counter-send"));
    await waitFor(() => expect(ipc.of("answer_offer")).toHaveLength(1));
    expect(ipc.of("answer_offer")[0]).toEqual({ conversationId: "conv-1", offerId: "o1", action: "counter", priceCents: 4550, dryRun: false });

    await userEvent.click(screen.getByTestId("inbox-accept"));
    await waitFor(() => expect(ipc.of("answer_offer")).toHaveLength(2));
    expect(ipc.of("answer_offer")[1]).toMatchObject({ offerId: "o1", action: "accept", priceCents: null });
  });

  it("says in the person's language why an answer failed, and when a thread cannot be answered here", async () => {
    const failed = job({
      kind: "answer_offer",
      state: "failed",
      errorCode: "offer_out_of_range",
      errorMessage: "outside",
      result: { priceCents: 2500, minCents: 3000, maxCents: 5000 },
    });
    backend({
      rows: [offerThread],
      thread: () => view({ recentFailures: [failed], conversation: { ...offerThread, answerable: false } }),
    });
    renderWithProviders(<InboxPage />);
    await userEvent.click(await screen.findByTestId("inbox-row-conv-1"));
    expect(normalizeSpaces((await screen.findByTestId("inbox-failures")).textContent)).toBe(
      "Contre-offre de 25,00 € refusée avant l’envoi : Vinted accepte de 30,00 € à 50,00 €. Rien n’a été envoyé.",
    );
    expect(screen.getByTestId("inbox-not-answerable")).toBeTruthy();
    expect(screen.queryByTestId("inbox-reply")).toBeNull();
    expect(screen.queryByTestId("inbox-offer-actions")).toBeNull();
  });
});

describe("inbox text helpers", () => {
  it("hides the offer's buttons while an answer to it is pending", () => {
    expect(offerAnswerPending([])).toBe(false);
    expect(offerAnswerPending([job({ kind: "send_reply" })])).toBe(false);
    expect(offerAnswerPending([job({ kind: "send_reply" }), job({ kind: "answer_offer" })])).toBe(true);
  });

  it("reads pending answers and failures from jobs", () => {
    expect(pendingAnswer(job({ kind: "send_reply", payload: { body: "Salut" } }))).toEqual({ kind: "reply", body: "Salut" });
    expect(pendingAnswer(job({ kind: "answer_offer", payload: { action: "counter", priceCents: 4200, offerId: "o" } }))).toEqual({
      kind: "offer",
      action: "counter",
      priceCents: 4200,
      offerId: "o",
    });
    expect(pendingAnswer(job({ kind: "import_inbox" }))).toBeNull();
    expect(answerFailure(job({ errorCode: "offer_not_pending" }))).toEqual({ code: "offer_not_pending" });
    expect(answerFailure(job({ errorCode: "offer_out_of_range", result: {} }))).toEqual({ code: "other", message: "offer_out_of_range" });
  });

  it("checks a counter's price and the send shortcut", () => {
    expect(counterProblem(null, 1, 2)).toBe("invalid");
    expect(counterProblem(2999, 3000, 5000)).toBe("outOfRange");
    expect(counterProblem(5001, 3000, 5000)).toBe("outOfRange");
    expect(counterProblem(4000, 3000, 5000)).toBeNull();
    expect(counterProblem(100, null, null)).toBeNull();
    expect(isSendShortcut({ key: "Enter", ctrlKey: true, metaKey: false })).toBe(true);
    expect(isSendShortcut({ key: "Enter", ctrlKey: false, metaKey: true })).toBe(true);
    expect(isSendShortcut({ key: "Enter", ctrlKey: false, metaKey: false })).toBe(false);
  });
});
