import type { Messages } from '../../src/i18n/index.ts'
import type { KtpPolicy } from '../../src/passes/purposes.ts'
import { PortalLayout, type PortalLayoutProps } from './layout.tsx'

export type PassFormField = 'officer' | 'customerId' | 'purpose' | 'ktp' | 'workOrder' | 'windowStart' | 'windowEnd'

export interface PassFormView {
  /** Officers the user may issue for; null when they may only issue for themselves. */
  officers: { employeeNo: string; label: string }[] | null
  purposes: { code: string; label: string; defaultKtp: KtpPolicy }[]
  /** '' (follow the purpose) first, then each policy in plain words. */
  ktpOptions: { value: string; label: string }[]
  /** One line per policy: what the household's page will tell them. */
  ktpEffects: { policy: KtpPolicy; text: string }[]
  values: Record<PassFormField, string>
  errors: Partial<Record<PassFormField, string>>
}

type Props = Omit<PortalLayoutProps, 'title' | 'children'> & { form: PassFormView }

export function IssuePassPage(props: Props) {
  const { t, form } = props
  const f = t.portal.form
  const hasErrors = Object.keys(form.errors).length > 0
  return (
    <PortalLayout {...props} title={f.title} scripts={['officer.js']}>
      <h1>{f.title}</h1>
      {hasErrors && (
        <p class="error" role="alert">
          {f.fixErrors}
        </p>
      )}
      <form method="post" action="/officer/passes" class="card stack" novalidate>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        {form.officers && (
          <Field t={t} form={form} name="officer" label={f.officer}>
            <select id="officer" name="officer" required {...invalid(form, 'officer')}>
              {form.officers.map((o) => (
                <option value={o.employeeNo} selected={o.employeeNo === form.values.officer}>
                  {o.label}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field t={t} form={form} name="customerId" label={f.customer} hint={f.customerHint}>
          <input id="customerId" name="customerId" value={form.values.customerId} inputmode="numeric" autocomplete="off" maxlength={16} required {...invalid(form, 'customerId')} />
        </Field>
        <Field t={t} form={form} name="purpose" label={f.purpose}>
          <select id="purpose" name="purpose" required {...invalid(form, 'purpose')}>
            {form.purposes.map((p) => (
              <option value={p.code} selected={p.code === form.values.purpose} data-ktp-default={p.defaultKtp}>
                {p.label}
              </option>
            ))}
          </select>
        </Field>
        <Field t={t} form={form} name="ktp" label={f.ktp} hint={f.ktpHint}>
          {/* officer.js names the purpose's policy in the first option and marks the line that applies; without it all lines stay readable. */}
          <select id="ktp" name="ktp" data-default-template={f.ktpDefaultFor} aria-describedby={form.errors.ktp ? 'ktp-error ktp-effects-title' : 'ktp-effects-title'} {...invalidState(form, 'ktp')}>
            {form.ktpOptions.map((o) => (
              <option value={o.value} selected={o.value === form.values.ktp}>
                {o.label}
              </option>
            ))}
          </select>
          <p id="ktp-effects-title" class="hint">
            {f.ktpEffectsTitle}
          </p>
          <ul class="ktp-effects">
            {form.ktpEffects.map((effect) => (
              <li data-ktp-effect={effect.policy}>{effect.text}</li>
            ))}
          </ul>
        </Field>
        <Field t={t} form={form} name="workOrder" label={f.workOrder}>
          <input id="workOrder" name="workOrder" value={form.values.workOrder} maxlength={40} autocomplete="off" {...invalid(form, 'workOrder')} />
        </Field>
        <Field t={t} form={form} name="windowStart" label={f.windowStart} hint={f.windowHint}>
          <input id="windowStart" name="windowStart" type="datetime-local" value={form.values.windowStart} required {...invalid(form, 'windowStart')} />
        </Field>
        <Field t={t} form={form} name="windowEnd" label={f.windowEnd}>
          <input id="windowEnd" name="windowEnd" type="datetime-local" value={form.values.windowEnd} required {...invalid(form, 'windowEnd')} />
        </Field>
        <button type="submit" class="button">
          {f.submit}
        </button>
      </form>
    </PortalLayout>
  )
}

function invalid(form: PassFormView, name: PassFormField) {
  return form.errors[name] ? { 'aria-invalid': 'true', 'aria-describedby': `${name}-error` } : {}
}

function invalidState(form: PassFormView, name: PassFormField) {
  return form.errors[name] ? { 'aria-invalid': 'true' } : {}
}

function Field(props: { t: Messages; form: PassFormView; name: PassFormField; label: string; hint?: string; children: unknown }) {
  const error = props.form.errors[props.name]
  return (
    <div class="field">
      <label for={props.name}>{props.label}</label>
      {props.hint && <p class="hint">{props.hint}</p>}
      {props.children}
      {error && (
        <p id={`${props.name}-error`} class="error">
          {error}
        </p>
      )}
    </div>
  )
}
