import type { Report } from './reports.ts'

/**
 * Where the reporter's personal details stand (UU PDP): `given` as they gave them, `restricted`
 * (kept, but processed no further: the reporter asked) or `erased` (gone; by the reporter or the
 * retention purge). An erasure outranks a restriction: nothing is left to restrict.
 */
export type DetailsState = 'given' | 'restricted' | 'erased'

type DetailsRow = Pick<Report, 'note' | 'phone' | 'location' | 'latitude' | 'longitude' | 'restrictedAt' | 'detailsErasedAt'>

/** The reporter's details as staff, the CSV export and the 123 channel may see them: all null unless `given`. */
export interface ShownDetails {
  state: DetailsState
  note: string | null
  phone: string | null
  location: string | null
  latitude: number | null
  longitude: number | null
}

export function detailsStateOf(report: Pick<Report, 'restrictedAt' | 'detailsErasedAt'>): DetailsState {
  if (report.detailsErasedAt !== null) return 'erased'
  return report.restrictedAt !== null ? 'restricted' : 'given'
}

/**
 * The one gate every staff view, export and payload reads the phone, note and place through.
 * The reporter's own tracking page is the only reader that does not: the data is theirs.
 */
export function reportDetailsShown(report: DetailsRow): ShownDetails {
  const state = detailsStateOf(report)
  if (state !== 'given') return { state, note: null, phone: null, location: null, latitude: null, longitude: null }
  return { state, note: report.note, phone: report.phone, location: report.location, latitude: report.latitude, longitude: report.longitude }
}

/** What staff read in place of withheld details; null when the details are shown. */
export function withheldDetailsText(state: DetailsState, words: { restricted: string; erased: string }): string | null {
  return state === 'given' ? null : words[state]
}
