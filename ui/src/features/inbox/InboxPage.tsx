import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { commands, type AppError, type ConversationFilter, type ConversationRow, type Job, type OfferAction, type ThreadItem } from "../../bindings";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toast";
import { normalizeAppError, unwrap } from "../../lib/errors";
import { formatCents, parseEuroToCents } from "../../lib/money";
import { useDebouncedValue } from "../../lib/useDebouncedValue";
import { useJobWatch } from "../jobs/queries";
import { useSellerAccounts } from "../orders/queries";
import { answerFailure, counterProblem, isSendShortcut, offerAnswerPending, pendingAnswer } from "./inboxText";
import { inboxKeys } from "./queryKeys";
import { TemplatesDialog } from "./TemplatesDialog";

const PER_PAGE = 30;
const SEARCH_DEBOUNCE_MS = 250;
/** While an answer waits for Vinted, its thread is read again this often. */
const PENDING_REFRESH_MS = 2_000;
/** New messages arrive with the scheduled reads: the list is read again now and then. */
const LIST_REFRESH_MS = 30_000;

/**
 * The inbox of every Vinted account: threads unread first, one thread with its messages,
 * offers and Vinted's events, a reply box with templates (Ctrl+Enter sends), and the answers
 * to a buyer's offer within the range Vinted allows. Every answer is a job of the account:
 * it shows as pending until Vinted confirms it.
 */
export function InboxPage() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const { showToast } = useToast();
  const accounts = useSellerAccounts();
  const [search, setSearch] = useState("");
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [accountId, setAccountId] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<string | null>(null);
  const [templatesOpen, setTemplatesOpen] = useState(false);
  // Every job's progress refreshes the inbox: a read's new threads, an answer Vinted confirmed.
  useJobWatch(queryClient);

  const debounced = useDebouncedValue(search.trim(), SEARCH_DEBOUNCE_MS);
  const filter: ConversationFilter = { accountId, unreadOnly, search: debounced === "" ? null : debounced, page, perPage: PER_PAGE };
  const list = useQuery({
    queryKey: inboxKeys.list(filter),
    queryFn: async () => unwrap(await commands.listConversations(filter)),
    placeholderData: keepPreviousData,
    refetchInterval: LIST_REFRESH_MS,
  });
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / PER_PAGE)) : 1;
  const filtered = unreadOnly || accountId !== null || debounced !== "";

  const readNow = useMutation({
    mutationFn: async () => unwrap(await commands.importInbox(accountId)),
    onSuccess: (jobs) => showToast(jobs.length > 0 ? t("inbox.readQueued", { count: jobs.length }) : t("inbox.readNothing")),
    onError: (error) => showToast(normalizeAppError(error).message || t("errors.internal")),
  });

  return (
    <section className="inbox" data-testid="inbox" aria-labelledby="inbox-title">
      <header className="page-header">
        <div>
          <h1 id="inbox-title" className="page-title">
            {t("inbox.title")}
          </h1>
          <p className="page-subtitle">{t("inbox.subtitle")}</p>
        </div>
        <div className="inbox-header-actions">
          <button type="button" className="btn" onClick={() => setTemplatesOpen(true)} data-testid="inbox-templates">
            {t("inbox.templates.manage")}
          </button>
          <button type="button" className="btn btn-primary" onClick={() => readNow.mutate()} disabled={readNow.isPending} data-testid="inbox-read-now">
            {t("inbox.readNow")}
          </button>
        </div>
      </header>

      <div className="toolbar">
        <label className="toolbar-field toolbar-search">
          <span>{t("inbox.search")}</span>
          <input
            type="search"
            value={search}
            placeholder={t("inbox.searchPlaceholder")}
            onChange={(e) => {
              setSearch(e.target.value);
              setPage(1);
            }}
            data-testid="inbox-search"
          />
        </label>
        <label className="toolbar-field">
          <span>{t("inbox.account")}</span>
          <select
            value={accountId ?? ""}
            onChange={(e) => {
              setAccountId(e.target.value === "" ? null : e.target.value);
              setPage(1);
            }}
            data-testid="inbox-account"
          >
            <option value="">{t("inbox.allAccounts")}</option>
            {(accounts.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label className="toolbar-check">
          <input
            type="checkbox"
            checked={unreadOnly}
            onChange={(e) => {
              setUnreadOnly(e.target.checked);
              setPage(1);
            }}
            data-testid="inbox-unread-only"
          />{" "}
          {t("inbox.unreadOnly")}
        </label>
      </div>

      <div className="inbox-layout">
        <div className="inbox-list-pane">
          {list.isPending && (
            <p className="state-message" role="status">
              <span className="spinner" aria-hidden="true" /> {t("inbox.loading")}
            </p>
          )}
          {list.isError && <LoadError title={t("inbox.loadError")} error={normalizeAppError(list.error)} onRetry={() => void list.refetch()} testId="inbox-load-error" />}
          {data && data.items.length === 0 && (
            <p className="state-message" data-testid="inbox-empty">
              {filtered ? t("inbox.emptyFiltered") : t("inbox.empty")}
            </p>
          )}
          {data && data.items.length > 0 && (
            <ul className="inbox-list" aria-label={t("inbox.listLabel")} data-testid="inbox-list">
              {data.items.map((c) => (
                <li key={c.id}>
                  <ConversationButton conversation={c} active={c.id === selected} onOpen={() => setSelected(c.id)} />
                </li>
              ))}
            </ul>
          )}
          {data && pages > 1 && (
            <nav className="inbox-pager" aria-label={t("inbox.pager")}>
              <button type="button" className="btn btn-small" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                {t("inbox.previous")}
              </button>
              <span>{t("inbox.pageOf", { page, pages })}</span>
              <button type="button" className="btn btn-small" disabled={page >= pages} onClick={() => setPage(page + 1)} data-testid="inbox-next-page">
                {t("inbox.next")}
              </button>
            </nav>
          )}
        </div>
        <div className="inbox-thread-pane">
          {selected ? (
            <ThreadPane key={selected} conversationId={selected} language={i18n.language} onChanged={() => void queryClient.invalidateQueries({ queryKey: inboxKeys.all })} />
          ) : (
            <p className="state-message">{t("inbox.noSelection")}</p>
          )}
        </div>
      </div>
      {templatesOpen && <TemplatesDialog onClose={() => setTemplatesOpen(false)} />}
    </section>
  );
}

function ConversationButton({ conversation: c, active, onOpen }: { conversation: ConversationRow; active: boolean; onOpen: () => void }) {
  const { t, i18n } = useTranslation();
  const time = c.lastMessageTime ? new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" }).format(new Date(c.lastMessageTime)) : "";
  const unread = c.unreadCount > 0;
  return (
    <button
      type="button"
      className={`inbox-row${active ? " is-active" : ""}${unread ? " is-unread" : ""}`}
      aria-current={active ? "true" : undefined}
      onClick={onOpen}
      data-testid={`inbox-row-${c.id}`}
    >
      <span className="inbox-row-top">
        <span className="inbox-row-buyer">{c.buyerName ?? t("inbox.unknownBuyer")}</span>
        {unread && (
          <span className="badge badge-unread" data-testid="inbox-unread">
            {t("inbox.unread", { count: c.unreadCount })}
          </span>
        )}
        {c.pendingOffer && <span className="badge badge-offer">{t("inbox.offerWaiting")}</span>}
        <time className="inbox-row-time" dateTime={c.lastMessageTime ?? undefined}>
          {time}
        </time>
      </span>
      <span className="inbox-row-item">
        {c.itemTitle ?? ""}
        {c.accountName && <span className="inbox-row-account"> · {c.accountName}</span>}
      </span>
      <span className="inbox-row-last">{c.lastMessage ?? ""}</span>
    </button>
  );
}

function ThreadPane({ conversationId, language, onChanged }: { conversationId: string; language: string; onChanged: () => void }) {
  const { t } = useTranslation();
  const thread = useQuery({
    queryKey: inboxKeys.thread(conversationId),
    queryFn: async () => unwrap(await commands.getThread(conversationId)),
    refetchInterval: (query) => ((query.state.data?.pending.length ?? 0) > 0 ? PENDING_REFRESH_MS : false),
  });
  // An answer finished: the list's unread marks and last message follow.
  const pendingCount = thread.data?.pending.length ?? 0;
  const previous = useRef(pendingCount);
  useEffect(() => {
    if (pendingCount < previous.current) onChanged();
    previous.current = pendingCount;
  }, [pendingCount, onChanged]);

  if (thread.isPending) {
    return (
      <p className="state-message" role="status">
        <span className="spinner" aria-hidden="true" /> {t("inbox.threadLoading")}
      </p>
    );
  }
  if (thread.isError) return <LoadError title={t("inbox.threadError")} error={normalizeAppError(thread.error)} onRetry={() => void thread.refetch()} testId="inbox-thread-error" />;
  const { conversation: c, items, pending, recentFailures } = thread.data;
  const money = (cents: number) => formatCents(cents, language);
  const lastBuyerOffer = [...items].reverse().find((i) => i.kind === "offer" && !i.isMe);
  return (
    <article className="inbox-thread" data-testid="inbox-thread" aria-label={c.buyerName ?? t("inbox.unknownBuyer")}>
      <header className="inbox-thread-header">
        <h2>{c.buyerName ?? t("inbox.unknownBuyer")}</h2>
        <p>
          {c.itemTitle}
          {c.itemPriceCents !== null && ` · ${money(c.itemPriceCents)}`}
          {c.accountName && ` · ${c.accountName}`}
        </p>
      </header>
      <ol className="inbox-entries" data-testid="inbox-entries">
        {items.map((item) => (
          <Entry key={item.id} item={item} language={language} buyer={c.buyerName} />
        ))}
      </ol>
      {pending.length > 0 && (
        <section className="inbox-pending" aria-label={t("inbox.pending.title")} data-testid="inbox-pending">
          <h3>{t("inbox.pending.title")}</h3>
          <ul>
            {pending.map((job) => (
              <li key={job.id}>
                <span className="spinner" aria-hidden="true" /> {describePending(job, t, money)} — {t(`inbox.pending.state.${pendingState(job)}`)}
              </li>
            ))}
          </ul>
        </section>
      )}
      {recentFailures.length > 0 && (
        <section className="inbox-failures" role="alert" data-testid="inbox-failures">
          {recentFailures.slice(0, 1).map((job) => (
            <p key={job.id}>{describeFailure(job, t, money)}</p>
          ))}
        </section>
      )}
      {!c.answerable ? (
        <p className="state-message" data-testid="inbox-not-answerable">
          {t("inbox.notAnswerable")}
        </p>
      ) : (
        <>
          {lastBuyerOffer && lastBuyerOffer.offerStatus === "pending" && !offerAnswerPending(pending) && (
            <OfferActions conversationId={c.id} offer={lastBuyerOffer} min={c.offerMinCents} max={c.offerMaxCents} language={language} onQueued={() => void thread.refetch()} />
          )}
          <ReplyBox conversationId={c.id} onQueued={() => void thread.refetch()} />
        </>
      )}
    </article>
  );
}

type Translate = TFunction;

function pendingState(job: Job): "queued" | "running" | "waiting" | "needs_attention" {
  return job.state === "running" || job.state === "waiting" || job.state === "needs_attention" ? job.state : "queued";
}

function describePending(job: Job, t: Translate, money: (cents: number) => string): string {
  const answer = pendingAnswer(job);
  if (!answer) return t("inbox.pending.other");
  if (answer.kind === "reply") return t("inbox.pending.reply", { body: answer.body });
  if (answer.action === "counter") return t("inbox.pending.counter", { amount: money(answer.priceCents ?? 0) });
  return answer.action === "accept" ? t("inbox.pending.accept") : t("inbox.pending.decline");
}

function describeFailure(job: Job, t: Translate, money: (cents: number) => string): string {
  const failure = answerFailure(job);
  switch (failure.code) {
    case "offer_out_of_range":
      return t("inbox.failed.offer_out_of_range", { price: money(failure.priceCents), min: money(failure.minCents), max: money(failure.maxCents) });
    case "offer_not_pending":
      return t("inbox.failed.offer_not_pending");
    case "thread_not_read":
      return t("inbox.failed.thread_not_read");
    default:
      return t("inbox.failed.other", { message: failure.message });
  }
}

function Entry({ item, language, buyer }: { item: ThreadItem; language: string; buyer: string | null }) {
  const { t } = useTranslation();
  const time = new Intl.DateTimeFormat(language, { dateStyle: "short", timeStyle: "short" }).format(new Date(item.at));
  if (item.kind === "event") {
    return (
      <li className="inbox-event" data-testid="inbox-event">
        <strong>{item.text}</strong>
        {item.detail && <span> — {item.detail}</span>} <time dateTime={item.at}>{time}</time>
      </li>
    );
  }
  const who = item.isMe ? t("inbox.you") : (item.senderName ?? buyer ?? t("inbox.unknownBuyer"));
  if (item.kind === "offer") {
    return (
      <li className={`inbox-bubble inbox-offer ${item.isMe ? "is-me" : "is-them"}`} data-testid="inbox-offer">
        <span className="inbox-bubble-meta">
          {who} · <time dateTime={item.at}>{time}</time>
        </span>
        <span className="inbox-offer-amount">{t("inbox.offer.amount", { amount: formatCents(item.amountCents ?? 0, language) })}</span>{" "}
        {item.offerStatus && <span className={`badge badge-offer-${item.offerStatus}`}>{t(`inbox.offer.status.${item.offerStatus}`)}</span>}
      </li>
    );
  }
  return (
    <li className={`inbox-bubble ${item.isMe ? "is-me" : "is-them"}`} data-testid="inbox-message">
      <span className="inbox-bubble-meta">
        {who} · <time dateTime={item.at}>{time}</time>
      </span>
      {item.text && <span className="inbox-bubble-text">{item.text}</span>}
      {/* The window's CSP loads no remote image: the photo is named, Vinted shows it. */}
      {item.imageUrl && (
        <span className="inbox-bubble-photo" title={item.imageUrl} data-testid="inbox-photo">
          {t("inbox.photo", { name: who })}
        </span>
      )}
    </li>
  );
}

function OfferActions({
  conversationId,
  offer,
  min,
  max,
  language,
  onQueued,
}: {
  conversationId: string;
  offer: ThreadItem;
  min: number | null;
  max: number | null;
  language: string;
  onQueued: () => void;
}) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const [countering, setCountering] = useState(false);
  const [price, setPrice] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const money = (cents: number) => formatCents(cents, language);
  const answer = useMutation({
    mutationFn: async (v: { action: OfferAction; priceCents: number | null }) =>
      unwrap(await commands.answerOffer(conversationId, offer.id, v.action, v.priceCents, false)),
    onSuccess: () => {
      setCountering(false);
      setPrice("");
      showToast(t("inbox.queued"));
      onQueued();
    },
    onError: (error) => setProblem(normalizeAppError(error).message || t("errors.internal")),
  });

  function sendCounter() {
    const cents = parseEuroToCents(price);
    const wrong = counterProblem(cents, min, max);
    if (wrong === "invalid") return setProblem(t("inbox.offer.invalidPrice"));
    if (wrong === "outOfRange" && min !== null && max !== null) return setProblem(t("inbox.offer.outOfRange", { min: money(min), max: money(max) }));
    setProblem(null);
    answer.mutate({ action: "counter", priceCents: cents });
  }

  return (
    <section className="inbox-offer-actions" aria-label={t("inbox.offer.actions")} data-testid="inbox-offer-actions">
      <p className="inbox-offer-range" data-testid="inbox-offer-range">
        {min !== null && max !== null ? t("inbox.offer.range", { min: money(min), max: money(max) }) : t("inbox.offer.rangeUnknown")}
      </p>
      <div className="inbox-offer-buttons">
        <button type="button" className="btn btn-primary" disabled={answer.isPending} onClick={() => answer.mutate({ action: "accept", priceCents: null })} data-testid="inbox-accept">
          {t("inbox.offer.accept", { amount: money(offer.amountCents ?? 0) })}
        </button>
        <button type="button" className="btn btn-danger-ghost" disabled={answer.isPending} onClick={() => answer.mutate({ action: "decline", priceCents: null })} data-testid="inbox-decline">
          {t("inbox.offer.decline")}
        </button>
        <button type="button" className="btn" disabled={answer.isPending} aria-expanded={countering} onClick={() => setCountering(!countering)} data-testid="inbox-counter">
          {t("inbox.offer.counter")}
        </button>
      </div>
      {countering && (
        <form
          className="inbox-counter-form"
          onSubmit={(e) => {
            e.preventDefault();
            sendCounter();
          }}
        >
          <label className="field field-narrow">
            <span>{t("inbox.offer.counterPrice")}</span>
            <input
              inputMode="decimal"
              value={price}
              onChange={(e) => setPrice(e.target.value)}
              aria-invalid={problem !== null}
              aria-describedby="inbox-counter-problem"
              data-testid="inbox-counter-price"
            />
          </label>
          <button type="submit" className="btn btn-primary" disabled={answer.isPending} data-testid="inbox-counter-send">
            {t("inbox.offer.counterSend")}
          </button>
        </form>
      )}
      {problem && (
        <p className="field-error" id="inbox-counter-problem" role="alert" data-testid="inbox-offer-problem">
          {problem}
        </p>
      )}
    </section>
  );
}

function ReplyBox({ conversationId, onQueued }: { conversationId: string; onQueued: () => void }) {
  const { t } = useTranslation();
  const { showToast } = useToast();
  const [body, setBody] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const templates = useQuery({
    queryKey: inboxKeys.templates,
    queryFn: async () => unwrap(await commands.listReplyTemplates()),
  });
  const send = useMutation({
    mutationFn: async (text: string) => unwrap(await commands.sendReply(conversationId, text, false)),
    onSuccess: () => {
      setBody("");
      showToast(t("inbox.queued"));
      onQueued();
    },
    onError: (error) => setProblem(fieldMessage(normalizeAppError(error), t)),
  });
  const templateList = useMemo(() => templates.data ?? [], [templates.data]);

  function submit() {
    if (send.isPending) return;
    const text = body.trim();
    if (text === "") return setProblem(t("inbox.reply.empty"));
    setProblem(null);
    send.mutate(text);
  }

  return (
    <form
      className="inbox-reply"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      data-testid="inbox-reply"
    >
      <label className="field">
        <span>{t("inbox.reply.label")}</span>
        <textarea
          value={body}
          rows={3}
          placeholder={t("inbox.reply.placeholder")}
          onChange={(e) => setBody(e.target.value)}
          onKeyDown={(e) => {
            if (isSendShortcut(e)) {
              e.preventDefault();
              submit();
            }
          }}
          aria-invalid={problem !== null}
          data-testid="inbox-reply-body"
        />
      </label>
      <div className="inbox-reply-actions">
        <label className="toolbar-field">
          <span>{t("inbox.reply.template")}</span>
          <select
            value=""
            onChange={(e) => {
              const chosen = templateList.find((tpl) => tpl.id === e.target.value);
              if (chosen) setBody((current) => (current.trim() === "" ? chosen.body : `${current.trimEnd()}\n${chosen.body}`));
            }}
            data-testid="inbox-template-picker"
          >
            <option value="">{templateList.length > 0 ? t("inbox.reply.noTemplate") : t("inbox.reply.noTemplates")}</option>
            {templateList.map((tpl) => (
              <option key={tpl.id} value={tpl.id}>
                {tpl.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={send.isPending} data-testid="inbox-reply-send">
          {t("inbox.reply.send")}
        </button>
      </div>
      {problem && (
        <p className="field-error" role="alert" data-testid="inbox-reply-problem">
          {problem}
        </p>
      )}
    </form>
  );
}

function fieldMessage(error: AppError, t: Translate): string {
  const field = error.fields[0];
  if (field?.field === "body" && field.code === "tooLong") return t("inbox.reply.tooLong");
  if (field?.field === "body") return t("inbox.reply.empty");
  if (field?.field === "conversationId") return t("inbox.notAnswerable");
  return error.message || t("errors.internal");
}
