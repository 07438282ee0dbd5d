import { describe, expect, it } from 'vitest'
import { parseDeskQuery } from '../src/desk/lookup.ts'

describe('what the 123 desk reads a typed query as', () => {
  it('reads an ID pelanggan however the caller grouped its digits', () => {
    expect(parseDeskQuery('5321 0001 2345')).toEqual({ kind: 'customer', customerId: '532100012345' })
    expect(parseDeskQuery(' 532100012345 ')).toEqual({ kind: 'customer', customerId: '532100012345' })
  })

  it('reads a ticket in any case', () => {
    expect(parseDeskQuery('lpr-7k3mq9xd')).toEqual({ kind: 'report', ticket: 'LPR-7K3MQ9XD' })
  })

  it('reads a short code as read aloud, and keeps the employee-number reading of the same 8 characters', () => {
    expect(parseDeskQuery('7k3m-q9xd')).toEqual({ kind: 'code', code: '7K3MQ9XD', employeeNo: '7K3M-Q9XD' })
    // Siti's employee number is also 8 Crockford characters: both readings are tried.
    expect(parseDeskQuery('9015234A')).toEqual({ kind: 'code', code: '9015234A', employeeNo: '9015234A' })
  })

  it('reads an employee number that cannot be a code as an employee number only', () => {
    expect(parseDeskQuery('upt-0042')).toEqual({ kind: 'officer', employeeNo: 'UPT-0042' })
    // A contractor's number that is also 8 code characters once the hyphen goes: both readings.
    expect(parseDeskQuery('MDN-04417')).toEqual({ kind: 'code', code: 'MDN04417', employeeNo: 'MDN-04417' })
  })

  it('reads a token, also inside a pasted verify link, and a code inside a /c/ link', () => {
    expect(parseDeskQuery('aaa.bbb.ccc')).toEqual({ kind: 'token', token: 'aaa.bbb.ccc' })
    expect(parseDeskQuery('https://cek.example.id/v/aaa.bbb.ccc')).toEqual({ kind: 'token', token: 'aaa.bbb.ccc' })
    expect(parseDeskQuery('https://cek.example.id/c/7K3MQ9XD')).toMatchObject({ kind: 'code', code: '7K3MQ9XD' })
  })

  it('reads nothing from empty, oversized or foreign text', () => {
    for (const typed of ['', '   ', 'x'.repeat(5000), 'apa ini?', '<script>', '12', 'a b c']) expect(parseDeskQuery(typed), typed).toBeNull()
  })
})
