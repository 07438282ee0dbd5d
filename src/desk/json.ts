import { officerJson, passJson } from '../verification/json.ts'
import type { DeskAnswer } from './lookup.ts'

type Lang = 'id' | 'en'

const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * The screen-pop API's answers (DESIGN §11), one shape per kind. A credential answers as
 * /api/v1/verify does (its `kind` there, badge or visit pass, is `credentialKind` here); a
 * customer answer carries the last 4 digits only, never the ID pelanggan.
 */
export function deskAnswerJson(answer: DeskAnswer, lang: Lang) {
  switch (answer.kind) {
    case 'credential': {
      const { result } = answer
      return {
        kind: 'credential' as const,
        verdict: result.verdict,
        credentialKind: result.kind,
        warnings: result.warnings,
        officer: result.officer && officerJson(result.officer),
        pass: result.credential ? passJson(result.credential, lang) : null,
      }
    }
    case 'customer': {
      const visit = answer.activeVisit
      const pass = visit ? passJson(visit.pass, lang) : null
      return {
        kind: 'customer' as const,
        customerLast4: answer.customerLast4,
        hasVisitPassword: answer.hasVisitPassword,
        activePass:
          visit && pass
            ? { officer: officerJson(visit.officer), purpose: pass.purpose, ktpPolicy: pass.ktpPolicy, windowStart: pass.window.start, windowEnd: pass.window.end, customerLast4: pass.customerLast4, passId: pass.id }
            : null,
      }
    }
    case 'report':
      return {
        kind: 'report' as const,
        ticket: answer.report.ticket,
        status: answer.report.status,
        channel: answer.report.channel,
        reportedAt: iso(answer.report.createdAt),
        timeline: answer.timeline.map((entry) => ({ at: iso(entry.at), kind: entry.kind, status: entry.status, author: entry.author, text: entry.text })),
      }
    case 'officer': {
      const { officer, unit } = answer.status
      return {
        kind: 'officer' as const,
        ...officerJson({ ...officer, unit: unit && { code: unit.code, name: unit.name, chain: unit.chain, timeZone: unit.timeZone } }),
        status: officer.status,
      }
    }
    case 'none':
      return { kind: 'none' as const }
  }
}
