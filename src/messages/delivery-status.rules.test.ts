import { describe, expect, it } from 'vitest';
import { type MessageStatus, type ReceiptStatus, statusesBefore } from './delivery-status.rules.js';

describe('delivery receipts move a status only forward', () => {
  const cases: Array<[MessageStatus, ReceiptStatus, boolean]> = [
    ['pending', 'sent', true],
    ['pending', 'delivered', true],
    ['pending', 'read', true],
    ['pending', 'failed', true],
    ['sent', 'sent', false],
    ['sent', 'delivered', true],
    ['sent', 'read', true],
    ['sent', 'failed', true],
    ['delivered', 'sent', false],
    ['delivered', 'read', true],
    ['delivered', 'failed', false],
    ['read', 'delivered', false],
    ['read', 'failed', false],
    ['failed', 'sent', false],
    ['failed', 'delivered', false],
    ['received', 'read', false],
  ];
  it.each(cases)('%s + %s receipt → applies: %s', (current, receipt, applies) => {
    expect(statusesBefore(receipt).includes(current)).toBe(applies);
  });
});
