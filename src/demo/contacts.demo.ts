import { type CountryCode, getExampleNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import type { Actor } from '../platform/auth/permissions.js';
import type { ContactsService } from '../contacts/contacts.service.js';

/**
 * Made-up people for the demo workspace and the benchmark data: names in several scripts, mobile
 * numbers that libphonenumber accepts as valid, emails on reserved example domains.
 */
type Culture = { countries: CountryCode[]; language: string; first: string[]; last: string[]; latin: boolean };

const cultures: Culture[] = [
  {
    countries: ['DE', 'AT', 'CH'],
    language: 'de',
    first: ['Jürgen', 'Jörg', 'Lukas', 'Mia', 'Emma', 'Sophie', 'Günther', 'Lea', 'Felix', 'Hannah'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weiß', 'Köhler', 'Bäcker', 'Wagner', 'Becker', 'Hoffmann'],
    latin: true,
  },
  {
    countries: ['FR', 'BE', 'CA'],
    language: 'fr',
    first: ['Léa', 'Chloé', 'Hélène', 'François', 'Zoé', 'Noël', 'Camille', 'Théo', 'Maëlle', 'Étienne'],
    last: ['Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Rousseau', 'Martin', 'Bernard', 'Fontaine', 'Chevalier', 'Mercier'],
    latin: true,
  },
  {
    countries: ['ES', 'MX', 'AR', 'BR', 'PT'],
    language: 'es',
    first: ['José', 'María', 'Inés', 'João', 'Ángel', 'Lucía', 'Sofía', 'Tomás', 'Conceição', 'Raúl'],
    last: ['García', 'Martínez', 'Pérez', 'Gonçalves', 'Núñez', 'Rodríguez', 'López', 'Sánchez', 'Araújo', 'Muñoz'],
    latin: true,
  },
  {
    countries: ['US', 'GB', 'AU', 'IE', 'NG', 'ZA'],
    language: 'en',
    first: ['Olivia', 'Liam', 'Noah', 'Ava', 'James', 'Amelia', 'Chidi', 'Siobhan', 'Ethan', 'Grace'],
    last: ['Smith', 'Johnson', 'Brown', "O'Connor", 'Williams', 'Okafor', 'Taylor', 'Nguyen', 'Walker', 'Murphy'],
    latin: true,
  },
  {
    countries: ['TR', 'PL'],
    language: 'tr',
    first: ['Çağla', 'Şule', 'Emre', 'Ayşe', 'Łukasz', 'Zofia', 'Oğuz', 'Małgorzata'],
    last: ['Yılmaz', 'Öztürk', 'Kaya', 'Şahin', 'Wójcik', 'Kowalski', 'Nowak', 'Çelik'],
    latin: true,
  },
  {
    countries: ['RU', 'UA', 'KZ'],
    language: 'ru',
    first: ['Иван', 'Ольга', 'Дмитрий', 'Анна', 'Сергей', 'Наталья', 'Алёна', 'Фёдор'],
    last: ['Иванов', 'Петрова', 'Смирнов', 'Кузнецова', 'Попов', 'Соколова', 'Лебедев', 'Козлова'],
    latin: false,
  },
  {
    countries: ['GR', 'CY'],
    language: 'el',
    first: ['Γιώργος', 'Μαρία', 'Νίκος', 'Ελένη', 'Δημήτρης', 'Ζωή', 'Κατερίνα', 'Σωκράτης'],
    last: ['Παπαδόπουλος', 'Οικονόμου', 'Γεωργίου', 'Νικολάου', 'Παππά', 'Αλεξίου', 'Βασιλείου', 'Μακρή'],
    latin: false,
  },
  {
    countries: ['SA', 'AE', 'EG', 'MA', 'JO'],
    language: 'ar',
    first: ['محمد', 'فاطمة', 'أحمد', 'ليلى', 'يوسف', 'مريم', 'عمر', 'نور'],
    last: ['العلي', 'حسن', 'الشمري', 'عبدالله', 'المنصور', 'خليل', 'سعيد', 'الحربي'],
    latin: false,
  },
  {
    countries: ['CN', 'TW', 'HK', 'SG'],
    language: 'zh',
    first: ['伟', '芳', '娜', '敏', '静', '小明', '秀英', '建华'],
    last: ['王', '李', '张', '刘', '陈', '杨', '黄', '赵'],
    latin: false,
  },
  {
    countries: ['JP'],
    language: 'ja',
    first: ['陽翔', '結衣', '蓮', 'さくら', '大翔', '陽菜', 'ユウキ', '美咲'],
    last: ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村'],
    latin: false,
  },
  {
    countries: ['KR'],
    language: 'ko',
    first: ['민준', '서연', '지우', '하은', '도윤', '서준'],
    last: ['김', '이', '박', '최', '정', '강'],
    latin: false,
  },
  {
    countries: ['IN'],
    language: 'hi',
    first: ['आरव', 'अनन्या', 'विवान', 'दिया', 'Priya', 'Rohan'],
    last: ['शर्मा', 'गुप्ता', 'Patel', 'Singh', 'वर्मा', 'Iyer'],
    latin: false,
  },
];

export const demoTags = ['VIP', 'Lead', 'Customer', 'Newsletter', 'Partner', 'Churn risk', 'Wholesale', 'Event 2024'];

export const demoCustomFields = [
  { key: 'plan', label: 'Plan', type: 'dropdown' as const, options: ['Free', 'Pro', 'Enterprise'] },
  { key: 'score', label: 'Lead score', type: 'number' as const },
  { key: 'birthday', label: 'Birthday', type: 'date' as const },
  { key: 'newsletter', label: 'Newsletter opt-in', type: 'checkbox' as const },
  { key: 'website', label: 'Website', type: 'url' as const },
];

const domains = ['example.com', 'example.org', 'example.net', 'mail.example'];

/** A small deterministic generator, so the demo looks the same on every start. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A valid mobile number of the country: its example number with the last (up to six) digits changed. */
export function randomMobile(random: () => number, country: CountryCode): string | null {
  const example = getExampleNumber(country, examples);
  if (!example) return null;
  const national = example.nationalNumber;
  const free = Math.min(6, national.length - 3);
  for (let attempt = 0; attempt < 10; attempt++) {
    const tail = String(Math.floor(random() * 10 ** free)).padStart(free, '0');
    const candidate = parsePhoneNumberFromString(`+${example.countryCallingCode}${national.slice(0, -free)}${tail}`);
    if (candidate?.isValid()) return candidate.number;
  }
  return example.number;
}

const asciiOf = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

export type DemoPerson = {
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  country: string;
  language: string;
};

/** The `n`th made-up person (n keeps emails unique). */
export function demoPerson(random: () => number, n: number): DemoPerson {
  const culture = pick(random, cultures);
  const country = pick(random, culture.countries);
  const firstName = pick(random, culture.first);
  const lastName = pick(random, culture.last);
  const local = culture.latin ? `${asciiOf(firstName)}.${asciiOf(lastName)}${n}` : `contact${n}`;
  return {
    firstName,
    lastName,
    email: random() < 0.8 ? `${local}@${pick(random, domains)}` : null,
    phone: random() < 0.85 ? randomMobile(random, country) : null,
    country,
    language: culture.language,
  };
}

/** Custom field values for a made-up person, by field key. */
export function demoCustomValues(random: () => number): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  if (random() < 0.7) values.plan = pick(random, demoCustomFields[0]!.options!);
  if (random() < 0.5) values.score = Math.floor(random() * 100);
  if (random() < 0.3) {
    const day = new Date(Date.UTC(1950 + Math.floor(random() * 55), Math.floor(random() * 12), 1 + Math.floor(random() * 28)));
    values.birthday = day.toISOString().slice(0, 10);
  }
  if (random() < 0.6) values.newsletter = random() < 0.5;
  if (random() < 0.1) values.website = `https://www.example.com/${Math.floor(random() * 1000)}`;
  return values;
}

export function demoTagsFor(random: () => number): string[] {
  const count = Math.floor(random() * 3);
  return [...new Set(Array.from({ length: count }, () => pick(random, demoTags)))];
}

/** The demo workspace's contacts, created through the service like a user would. */
export async function seedDemoContacts(contacts: ContactsService, actor: Actor, options: { count: number; assigneeIds: string[] }) {
  for (const field of demoCustomFields) await contacts.customFields.create(actor, field);
  const random = seededRandom(20_240_501);
  const signedUpTwice: DemoPerson[] = [];
  for (let n = 1; n <= options.count; n++) {
    const person = demoPerson(random, n);
    if (signedUpTwice.length < 2 && person.email && person.phone) signedUpTwice.push(person);
    await contacts.create(actor, {
      firstName: person.firstName,
      lastName: person.lastName,
      email: person.email,
      phone: person.phone,
      // Without a phone to derive it from, the country is set by hand.
      country: person.phone ? undefined : person.country,
      language: person.language,
      assigneeId: random() < 0.3 ? pick(random, options.assigneeIds) : null,
      tags: demoTagsFor(random),
      customFields: demoCustomValues(random),
    });
  }
  // People who wrote in again under another name, with the same email or number: merge suggestions (SPEC §2.5).
  for (const [index, person] of signedUpTwice.entries()) {
    await contacts.create(actor, {
      firstName: person.firstName.slice(0, 1) + '.',
      lastName: person.lastName,
      ...(index === 0 ? { email: person.email!.toUpperCase() } : { phone: person.phone }),
    });
  }
}
