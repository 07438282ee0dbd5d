/**
 * The visit-purpose catalog of DESIGN §2: what each kind of visit is, and what the officer may
 * do with the household's KTP during it.
 */

export type KtpPolicy = 'none' | 'view' | 'photo'
export type Localized = { id: string; en: string }

export interface Purpose {
  code: PurposeCode
  label: Localized
  /** What the officer does during the visit, in plain words. */
  description: Localized
  defaultKtp: KtpPolicy
  /** Why the KTP is needed at all (for `view` and `photo`). */
  ktpReason: Localized | null
  /**
   * When a KTP photo may be taken at all (DESIGN §2): with a work-order number, or inside a
   * campaign an admin declared; null: never, whatever the officer asks for.
   */
  photoRequires: 'work_order' | 'declared_campaign' | null
  enterHouse: boolean
}

export const PURPOSE_CODES = [
  'P2TL',
  'CATAT_METER',
  'GANTI_METER',
  'GANGGUAN',
  'PASANG_BARU',
  'TAMBAH_DAYA',
  'BALIK_NAMA',
  'PEMADANAN_DATA',
  'GESER_METER',
] as const
export type PurposeCode = (typeof PURPOSE_CODES)[number]

export const PURPOSES: Record<PurposeCode, Purpose> = {
  P2TL: {
    code: 'P2TL',
    label: { id: 'Penertiban Pemakaian Tenaga Listrik (pemeriksaan meter)', en: 'Electricity-use inspection (P2TL meter check)' },
    description: {
      id: 'Tim P2TL memeriksa kWh meter dan segelnya. Jika ada temuan, dibuat Berita Acara yang ditandatangani petugas dan pelanggan. Tagihan susulan dibayar lewat nomor registrasi di bank, loket resmi, atau PLN Mobile — tidak pernah tunai kepada petugas.',
      en: 'The P2TL team checks the kWh meter and its seals. Any finding is written in a Berita Acara signed by the officer and the customer. Back-bills are paid with a registration number at a bank, an official counter or PLN Mobile — never in cash to the officer.',
    },
    defaultKtp: 'view',
    ktpReason: {
      id: 'untuk mencatat siapa yang menandatangani Berita Acara',
      en: 'to record who signs the Berita Acara (inspection report)',
    },
    photoRequires: null,
    enterHouse: false,
  },
  CATAT_METER: {
    code: 'CATAT_METER',
    label: { id: 'Pencatatan meter', en: 'Meter reading' },
    description: {
      id: 'Petugas catat meter memotret angka kWh meter. Petugas tidak perlu masuk ke rumah.',
      en: 'The meter reader photographs the kWh meter display. They never need to enter the house.',
    },
    defaultKtp: 'none',
    ktpReason: null,
    photoRequires: null,
    enterHouse: false,
  },
  GANTI_METER: {
    code: 'GANTI_METER',
    label: { id: 'Penggantian kWh meter', en: 'kWh meter replacement' },
    description: {
      id: 'Petugas mengganti kWh meter lama. Penggantian meter gratis; PLN tidak menjual meter atau box meter.',
      en: 'The officer replaces the old kWh meter. Replacement is free; PLN does not sell meters or meter boxes.',
    },
    defaultKtp: 'none',
    ktpReason: null,
    photoRequires: null,
    enterHouse: false,
  },
  GANGGUAN: {
    code: 'GANGGUAN',
    label: { id: 'Perbaikan gangguan (Yantek)', en: 'Outage repair (Yantek)' },
    description: {
      id: 'Tim pelayanan teknik memperbaiki gangguan listrik, termasuk meter yang terkunci (tamper). Perbaikan gratis.',
      en: 'The technical service crew repairs a power fault, including a tamper-locked meter. Repairs are free.',
    },
    defaultKtp: 'none',
    ktpReason: null,
    photoRequires: null,
    enterHouse: false,
  },
  PASANG_BARU: {
    code: 'PASANG_BARU',
    label: { id: 'Survei / penyambungan pasang baru', en: 'New connection survey / installation' },
    description: {
      id: 'Petugas mensurvei lokasi atau menyambung listrik baru yang sudah Anda ajukan. Biaya dibayar lewat nomor registrasi di kanal resmi.',
      en: 'The officer surveys the site or connects the new supply you applied for. Fees are paid with a registration number at official channels.',
    },
    defaultKtp: 'view',
    ktpReason: {
      id: 'untuk mencocokkan nama pemohon pasang baru',
      en: 'to match the name of the person who applied for the connection',
    },
    photoRequires: null,
    enterHouse: false,
  },
  TAMBAH_DAYA: {
    code: 'TAMBAH_DAYA',
    label: { id: 'Perubahan daya', en: 'Power upgrade' },
    description: {
      id: 'Petugas mengubah daya sesuai permohonan Anda. Identitas sudah diperiksa di aplikasi PLN Mobile, jadi KTP tidak diperlukan di pintu.',
      en: 'The officer changes the contracted power you applied for. Identity was already checked in the PLN Mobile app, so no KTP is needed at the door.',
    },
    defaultKtp: 'none',
    ktpReason: null,
    photoRequires: null,
    enterHouse: false,
  },
  BALIK_NAMA: {
    code: 'BALIK_NAMA',
    label: { id: 'Balik nama', en: 'Name transfer' },
    description: {
      id: 'Petugas memproses balik nama pelanggan yang sudah Anda ajukan dengan nomor perintah kerja.',
      en: 'The officer processes the name transfer you applied for, under a work order.',
    },
    defaultKtp: 'photo',
    ktpReason: {
      id: 'untuk mencatat identitas pemilik baru pada permohonan balik nama',
      en: 'to record the new owner’s identity on the name-transfer application',
    },
    photoRequires: 'work_order',
    enterHouse: false,
  },
  PEMADANAN_DATA: {
    code: 'PEMADANAN_DATA',
    label: { id: 'Pendataan / pemadanan data pelanggan', en: 'Customer data matching' },
    description: {
      id: 'Petugas mencocokkan data pelanggan. Ini hanya dilakukan dalam kampanye resmi yang diumumkan PLN.',
      en: 'The officer matches customer records. This only happens inside an official campaign announced by PLN.',
    },
    defaultKtp: 'photo',
    ktpReason: {
      id: 'untuk mencocokkan NIK dengan ID pelanggan dalam kampanye pemadanan data resmi',
      en: 'to match the NIK with the customer ID inside an official data-matching campaign',
    },
    photoRequires: 'declared_campaign',
    enterHouse: false,
  },
  GESER_METER: {
    code: 'GESER_METER',
    label: { id: 'Pemindahan meter / APP', en: 'Meter relocation' },
    description: {
      id: 'Petugas memindahkan meter (APP) sesuai permohonan Anda. Biaya resmi dibayar lewat kanal resmi, bukan kepada petugas.',
      en: 'The officer moves the meter as you requested. Official fees are paid at official channels, never to the officer.',
    },
    defaultKtp: 'none',
    ktpReason: null,
    photoRequires: null,
    enterHouse: false,
  },
}

const STRICTNESS: Record<KtpPolicy, number> = { none: 0, view: 1, photo: 2 }

export function isPurposeCode(value: string): value is PurposeCode {
  return (PURPOSE_CODES as readonly string[]).includes(value)
}

export function isKtpPolicy(value: string): value is KtpPolicy {
  return value === 'none' || value === 'view' || value === 'photo'
}

export type KtpPolicyProblem = 'photo_not_allowed' | 'photo_needs_work_order' | 'photo_needs_campaign' | 'looser_than_purpose'

/**
 * The KTP policy a pass may carry: stricter than the purpose's default freely; `photo` only
 * for the purposes DESIGN §2 allows it for, and only with what each demands.
 */
export function checkKtpPolicy(
  purpose: Purpose,
  requested: KtpPolicy,
  context: { workOrder: string | null; insideDeclaredCampaign: boolean },
): KtpPolicyProblem | null {
  if (requested === 'photo') {
    if (purpose.photoRequires === null) return 'photo_not_allowed'
    if (purpose.photoRequires === 'declared_campaign' && !context.insideDeclaredCampaign) return 'photo_needs_campaign'
    if (purpose.photoRequires === 'work_order' && !context.workOrder) return 'photo_needs_work_order'
    return null
  }
  if (STRICTNESS[requested] > STRICTNESS[purpose.defaultKtp]) return 'looser_than_purpose'
  return null
}

/** The policy a pass gets when none is chosen: the default, stepped down when `photo` is not allowed. */
export function defaultKtpPolicy(purpose: Purpose, context: { workOrder: string | null; insideDeclaredCampaign: boolean }): KtpPolicy {
  if (purpose.defaultKtp === 'photo' && checkKtpPolicy(purpose, 'photo', context) !== null) return 'view'
  return purpose.defaultKtp
}
