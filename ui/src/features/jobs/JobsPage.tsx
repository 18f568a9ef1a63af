import { useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import type { JobState } from "../../bindings";
import { useSellerAccounts } from "../orders/queries";
import { AuditLog } from "./AuditLog";
import { JobList } from "./JobList";
import { PacingDialog } from "./PacingDialog";
import { JOB_STATES, UNFINISHED_STATES } from "./queries";

type Tab = "jobs" | "audit";
const TABS: readonly Tab[] = ["jobs", "audit"];

/** The state filter: every job, the unfinished ones, or one state. */
type StateFilter = "all" | "unfinished" | JobState;

function statesOf(filter: StateFilter): readonly JobState[] {
  if (filter === "all") return [];
  if (filter === "unfinished") return UNFINISHED_STATES;
  return [filter];
}

/**
 * The Vinted jobs area: the queue of what runs in the accounts' browser sessions (imports
 * today), the audit log of every write, and each account's pacing.
 */
export function JobsPage() {
  const { t } = useTranslation();
  const accounts = useSellerAccounts();
  const [tab, setTab] = useState<Tab>("jobs");
  const [accountId, setAccountId] = useState<string | null>(null);
  const [stateFilter, setStateFilter] = useState<StateFilter>("all");
  const [jobsPage, setJobsPage] = useState(1);
  const [auditPage, setAuditPage] = useState(1);
  const [pacingOpen, setPacingOpen] = useState(false);
  const tabRefs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});

  const accountList = useMemo(() => accounts.data ?? [], [accounts.data]);
  const accountNames = useMemo(() => new Map(accountList.map((a) => [a.id, a.name])), [accountList]);
  const pacingAccount = accountId ?? accountList[0]?.id ?? null;

  function selectTab(next: Tab, focus = false) {
    setTab(next);
    if (focus) tabRefs.current[next]?.focus();
  }

  function onTabKey(e: React.KeyboardEvent, current: Tab) {
    const i = TABS.indexOf(current);
    let next: Tab | null = null;
    if (e.key === "ArrowRight") next = TABS[(i + 1) % TABS.length];
    else if (e.key === "ArrowLeft") next = TABS[(i - 1 + TABS.length) % TABS.length];
    else if (e.key === "Home") next = TABS[0];
    else if (e.key === "End") next = TABS[TABS.length - 1];
    if (next) {
      e.preventDefault();
      selectTab(next, true);
    }
  }

  return (
    <section className="jobs" data-testid="jobs" aria-labelledby="jobs-title">
      <header className="page-header">
        <div>
          <h1 id="jobs-title" className="page-title">
            {t("jobs.title")}
          </h1>
          <p className="page-subtitle">{t("jobs.subtitle")}</p>
        </div>
        <button
          type="button"
          className="btn"
          data-testid="pacing-open"
          disabled={pacingAccount === null}
          title={pacingAccount === null ? t("jobs.pacing.noAccount") : undefined}
          onClick={() => setPacingOpen(true)}
        >
          {t("jobs.pacing.open")}
        </button>
      </header>

      <div className="toolbar">
        <div className="toolbar-field">
          <label htmlFor="jobs-account-filter">{t("jobs.accountFilter")}</label>
          <select
            id="jobs-account-filter"
            data-testid="jobs-account-filter"
            value={accountId ?? ""}
            onChange={(e) => {
              setAccountId(e.target.value === "" ? null : e.target.value);
              setJobsPage(1);
              setAuditPage(1);
            }}
          >
            <option value="">{t("jobs.allAccounts")}</option>
            {accountList.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        {tab === "jobs" && (
          <div className="toolbar-field">
            <label htmlFor="jobs-state-filter">{t("jobs.stateFilter")}</label>
            <select
              id="jobs-state-filter"
              data-testid="jobs-state-filter"
              value={stateFilter}
              onChange={(e) => {
                setStateFilter(e.target.value as StateFilter);
                setJobsPage(1);
              }}
            >
              <option value="all">{t("jobs.allStates")}</option>
              <option value="unfinished">{t("jobs.unfinishedStates")}</option>
              {JOB_STATES.map((s) => (
                <option key={s} value={s}>
                  {t(`jobs.states.${s}`)}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>

      <div className="tabs" role="tablist" aria-label={t("jobs.tabsLabel")}>
        {TABS.map((key) => (
          <button
            key={key}
            ref={(el) => {
              tabRefs.current[key] = el;
            }}
            type="button"
            role="tab"
            id={`jobs-tab-${key}`}
            className={tab === key ? "tab is-active" : "tab"}
            aria-selected={tab === key}
            aria-controls={`jobs-panel-${key}`}
            tabIndex={tab === key ? 0 : -1}
            data-testid={`jobs-tab-${key}`}
            onClick={() => selectTab(key)}
            onKeyDown={(e) => onTabKey(e, key)}
          >
            {t(`jobs.tabs.${key}`)}
          </button>
        ))}
      </div>

      <div role="tabpanel" id={`jobs-panel-${tab}`} aria-labelledby={`jobs-tab-${tab}`} className="tab-panel">
        {tab === "jobs" ? (
          <JobList accountId={accountId} states={statesOf(stateFilter)} accountNames={accountNames} page={jobsPage} onPageChange={setJobsPage} />
        ) : (
          <AuditLog accountId={accountId} accountNames={accountNames} page={auditPage} onPageChange={setAuditPage} />
        )}
      </div>

      {pacingOpen && pacingAccount !== null && (
        <PacingDialog accounts={accountList} initialAccountId={pacingAccount} onClose={() => setPacingOpen(false)} />
      )}
    </section>
  );
}
