import type { Messages } from '../i18n/index.ts'

/** What the verdict page and the printed pass or badge show of an officer, already worded. */
export interface OfficerCard {
  name: string
  employeeNo: string
  roleTitle: string
  /** "UID Jakarta Raya › UP3 Menteng › ULP Cikini"; null without a unit. */
  unitLine: string | null
  employerLine: string
  photoUrl: string | null
}

interface OfficerShown {
  name: string
  employeeNo: string
  roleTitle: string
  employer: string
  photoId: string | null
}

/** Where an officer's photo is served (see GET /photos/:id); null without one. */
export function officerPhotoUrl(photoId: string | null): string | null {
  return photoId ? `/photos/${photoId}` : null
}

/** `unitChain`: the names of the officer's unit and those above it, from the Unit Induk down. */
export function presentOfficerCard(officer: OfficerShown, unitChain: readonly string[] | null, t: Messages): OfficerCard {
  return {
    name: officer.name,
    employeeNo: officer.employeeNo,
    roleTitle: officer.roleTitle,
    unitLine: unitChain && unitChain.length > 0 ? unitChain.join(' › ') : null,
    employerLine: officer.employer === 'PLN' ? t.verdict.employerPln : `${t.verdict.employerMitra}: ${officer.employer}`,
    photoUrl: officerPhotoUrl(officer.photoId),
  }
}
