import type { Messages } from '../src/i18n/index.ts'
import { Layout } from './layout.tsx'

export interface LoginProps {
  t: Messages
  langSwitchHref: string
  formToken: string
  username: string
  error: string | null
  notice: string | null
  /** Where to go once signed in (a checked path of this site), or null for the user's home. */
  next: string | null
}

export function LoginPage({ t, langSwitchHref, formToken, username, error, notice, next }: LoginProps) {
  return (
    <Layout t={t} title={t.login.title} langSwitchHref={langSwitchHref} staff>
      <main id="main" class="page narrow">
        <h1>{t.login.title}</h1>
        <p>{t.login.intro}</p>
        {notice && (
          <p class="answer green" role="status">
            {notice}
          </p>
        )}
        <form method="post" action="/login" class="card stack">
          <input type="hidden" name="_form" value={formToken} />
          {next && <input type="hidden" name="next" value={next} />}
          {error && (
            <p id="login-error" class="error" role="alert">
              {error}
            </p>
          )}
          <label for="username">{t.login.username}</label>
          <input id="username" name="username" value={username} autocomplete="username" autocapitalize="none" spellcheck={false} maxlength={64} required />
          <label for="password">{t.login.password}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" maxlength={1024} required aria-describedby={error ? 'login-error' : undefined} />
          <button type="submit" class="button">
            {t.login.submit}
          </button>
        </form>
      </main>
    </Layout>
  )
}
