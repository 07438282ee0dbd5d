import type { Lang } from '../i18n/index.ts'
import { formatDateTime } from '../i18n/time.ts'

/** Admin tables show times in Jakarta time (WIB). */
export function formatAdminTime(at: number, lang: Lang): string {
  return formatDateTime(at, lang, 'Asia/Jakarta')
}
