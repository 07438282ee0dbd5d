import type { Messages } from '../../src/i18n/index.ts'
import type { PassRowView } from '../../src/passes/present.ts'
import { PortalLayout, type PortalLayoutProps } from './layout.tsx'

type FrameProps = Omit<PortalLayoutProps, 'title' | 'children'>

export function OfficerHomePage(props: FrameProps & { officerName: string | null; today: PassRowView[]; notice: string | null }) {
  const { t } = props
  return (
    <PortalLayout {...props} title={t.portal.home}>
      <h1>{props.officerName ?? t.portal.home}</h1>
      <NoticeAndNewPass t={t} notice={props.notice} />
      <p>
        <a class="button secondary" href="/officer/door" data-door-action>
          {t.door.officer.action}
        </a>
      </p>
      <h2>{t.portal.todayTitle}</h2>
      <PassList t={t} rows={props.today} csrfToken={props.csrfToken} />
    </PortalLayout>
  )
}

export function PassListPage(props: FrameProps & { rows: PassRowView[]; notice: string | null }) {
  const { t } = props
  return (
    <PortalLayout {...props} title={t.portal.allPassesTitle}>
      <h1>{t.portal.allPassesTitle}</h1>
      <NoticeAndNewPass t={t} notice={props.notice} />
      <PassList t={t} rows={props.rows} csrfToken={props.csrfToken} />
    </PortalLayout>
  )
}

function NoticeAndNewPass({ t, notice }: { t: Messages; notice: string | null }) {
  return (
    <>
      {notice && (
        <p class="answer green" role="status">
          {notice}
        </p>
      )}
      <p>
        <a class="button" href="/officer/passes/new">
          {t.portal.newPass}
        </a>
      </p>
    </>
  )
}

function PassList({ t, rows, csrfToken }: { t: Messages; rows: PassRowView[]; csrfToken: string }) {
  if (rows.length === 0) return <p class="card">{t.portal.noPasses}</p>
  return (
    <ul class="pass-list">
      {rows.map((row) => (
        <li class={`card pass status-${row.status}`} data-pass-id={row.id} data-status={row.status}>
          <p class="purpose">{row.purposeLabel}</p>
          <dl>
            <dt>{t.portal.officer}</dt>
            <dd>
              {row.officerName} ({row.employeeNo})
            </dd>
            <dt>{t.portal.customer}</dt>
            <dd>{row.customer}</dd>
            <dt>{t.portal.window}</dt>
            <dd>{row.windowText}</dd>
            <dt>{t.portal.ktp}</dt>
            <dd>{row.ktpLabel}</dd>
            <dt>{t.portal.status}</dt>
            <dd>
              <strong>{row.statusLabel}</strong> · <span class="code">{row.shortCode}</span>
            </dd>
          </dl>
          {(row.status === 'active' || row.status === 'upcoming') && (
            <div class="actions">
              <a class="button" href={`/officer/passes/${row.id}/live`}>
                {t.portal.showQr}
              </a>
              <a class="button secondary" href={`/officer/passes/${row.id}/print`}>
                {t.portal.print}
              </a>
              <form method="post" action={`/officer/passes/${row.id}/cancel`}>
                <input type="hidden" name="_csrf" value={csrfToken} />
                <button type="submit" class="button danger">
                  {t.portal.cancel}
                </button>
              </form>
            </div>
          )}
        </li>
      ))}
    </ul>
  )
}

/** No live badge yet: one button issues it (a POST), then the printable badge opens. */
export function IssueBadgePage(props: FrameProps & { officerName: string; employeeNo: string }) {
  const { t } = props
  return (
    <PortalLayout {...props} title={t.portal.printBadgeTitle}>
      <h1>{t.portal.printBadgeTitle}</h1>
      <p>
        {props.officerName} ({props.employeeNo}): {t.portal.noBadge}
      </p>
      <form method="post" action={`/officer/badge?officer=${encodeURIComponent(props.employeeNo)}`}>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <button type="submit" class="button">
          {t.portal.issueBadge}
        </button>
      </form>
    </PortalLayout>
  )
}
