import type { AuthContext } from '../auth/sessions.ts'
import type { LoginThrottle } from '../auth/throttle.ts'
import type { Lang, Messages } from '../i18n/index.ts'
import type { Services } from '../services.ts'
import type { Verifier } from '../verification/verify.ts'
import type { RateLimits } from './rate-limit.ts'

/** The one Hono environment type of the app. */
export interface AppEnv {
  Variables: {
    services: Services
    verifier: Verifier
    rateLimits: RateLimits
    requestId: string
    clientAddress: string | null
    lang: Lang
    t: Messages
    /** The signed-in user, or null for households. */
    auth: AuthContext | null
    loginThrottle: LoginThrottle
  }
}
