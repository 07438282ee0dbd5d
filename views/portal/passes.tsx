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
      <PassList t={t} rows={props.today} from="home" />
    </PortalLayout>
  )
}

export function PassListPage(props: FrameProps & { rows: PassRowView[]; notice: string | null }) {
  const { t } = props
  return (
    <PortalLayout {...props} title={t.portal.allPassesTitle}>
      <h1>{t.portal.allPassesTitle}</h1>
      <NoticeAndNewPass t={t} notice={props.notice} />
      <PassList t={t} rows={props.rows} from="passes" />
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

function PassList({ t, rows, from }: { t: Messages; rows: PassRowView[]; from: 'home' | 'passes' }) {
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
            <>
              <div class="actions">
                <a class="button" href={`/officer/passes/${row.id}/live`}>
                  {t.portal.showQr}
                </a>
                <a class="button secondary" href={`/officer/passes/${row.id}/print`}>
                  {t.portal.print}
                </a>
              </div>
              {/* Apart from the everyday buttons, so a thumb aiming at "Cetak" never lands here; it only opens the confirm step. */}
              <p class="card-end">
                <a class="button danger" href={`/officer/passes/${row.id}/cancel${from === 'home' ? '?from=home' : ''}`} data-cancel-pass>
                  {t.portal.cancel}
                </a>
              </p>
            </>
          )}
        </li>
      ))}
    </ul>
  )
}

/** The step between "Batalkan" and the cancellation: what is cancelled, what it does, and two plain answers. */
export function CancelPassPage(props: FrameProps & { pass: PassRowView; backHref: string }) {
  const { t, pass } = props
  const step = t.portal.cancelStep
  const cancellable = pass.status === 'active' || pass.status === 'upcoming'
  return (
    <PortalLayout {...props} title={step.title}>
      <h1>{step.title}</h1>
      <section class={`card pass status-${pass.status}`} data-pass-id={pass.id} data-status={pass.status} aria-label={pass.purposeLabel}>
        <p class="purpose">{pass.purposeLabel}</p>
        <dl>
          <dt>{t.portal.customer}</dt>
          <dd>{pass.customer}</dd>
          <dt>{t.portal.window}</dt>
          <dd>{pass.windowText}</dd>
          <dt>{t.portal.status}</dt>
          <dd>
            <strong>{pass.statusLabel}</strong> · <span class="code">{pass.shortCode}</span>
          </dd>
        </dl>
      </section>
      {cancellable ? (
        <>
          <p class="lead">{step.consequence}</p>
          <div class="confirm-actions">
            <a class="button" href={props.backHref} data-cancel-answer="no">
              {step.no}
            </a>
            <form method="post" action={`/officer/passes/${pass.id}/cancel`}>
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <button type="submit" class="button danger" data-cancel-answer="yes">
                {step.yes}
              </button>
            </form>
          </div>
        </>
      ) : (
        <>
          <p class="answer red" role="status">
            {pass.status === 'revoked' ? t.portal.cancelFailed : t.portal.live.ended}
          </p>
          <p>
            <a class="button secondary" href={props.backHref}>
              {step.back}
            </a>
          </p>
        </>
      )}
    </PortalLayout>
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
