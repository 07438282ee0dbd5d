import type { Config } from '../config.ts'
import { fill, fillCount, type Messages } from '../i18n/index.ts'

/** One user group of the notice: who, why, which data, on what basis. */
export interface NoticeGroup {
  id: 'household' | 'reporter' | 'officer' | 'staff'
  title: string
  purposes: readonly string[]
  data: readonly string[]
  basis: string
}

export const RIGHTS = ['access', 'correction', 'deletion', 'restriction', 'objection', 'withdrawal', 'complaint'] as const

/** The privacy notice (UU PDP Art. 21) as the page shows it, with the configured controller, contacts and periods filled in. */
export interface PrivacyNoticeView {
  controller: string
  dpoEmail: string | null
  dpoPhone: string | null
  groups: NoticeGroup[]
  basis: string[]
  retention: string[]
  rights: { id: (typeof RIGHTS)[number]; name: string; text: string }[]
}

export function presentPrivacyNotice(t: Messages, config: Pick<Config, 'privacy' | 'retention'>): PrivacyNoticeView {
  const p = t.privacy
  const { retention } = config
  return {
    controller: fill(p.controller.text, { controller: config.privacy.controller }),
    dpoEmail: config.privacy.dpoEmail && fill(p.controller.email, { email: config.privacy.dpoEmail }),
    dpoPhone: config.privacy.dpoPhone && fill(p.controller.phone, { phone: config.privacy.dpoPhone }),
    groups: (['household', 'reporter', 'officer', 'staff'] as const).map((id) => ({ id, ...p.groups[id] })),
    basis: [p.basis.publicTask, p.basis.consent, p.basis.contract, p.basis.legitimate],
    retention: [
      fillCount(p.retention.scans, retention.scans),
      fillCount(p.retention.reportDetails, retention.reportDetails),
      fillCount(p.retention.outbox, retention.outbox),
      p.retention.sessions,
      p.retention.throttle,
      p.retention.passes,
      p.retention.visitPassword,
      p.retention.audit,
    ],
    rights: RIGHTS.map((id) => ({ id, ...p.rights[id] })),
  }
}
