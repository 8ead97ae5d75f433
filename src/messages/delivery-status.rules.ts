/**
 * An outbound message's delivery status only moves forward: pending → sent → delivered → read,
 * or to failed before it was delivered. Receipts arrive late and out of order (a "delivered"
 * after a "read"), and a late one must not move the status back.
 */
export type MessageStatus = 'received' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed';
export type ReceiptStatus = 'sent' | 'delivered' | 'read' | 'failed';

const earlier: Record<ReceiptStatus, MessageStatus[]> = {
  sent: ['pending'],
  delivered: ['pending', 'sent'],
  read: ['pending', 'sent', 'delivered'],
  // A provider may refuse after accepting the send (WhatsApp's 131047 arrives as a status).
  failed: ['pending', 'sent'],
};

/** The statuses a message may be in for this receipt to apply. */
export function statusesBefore(receipt: ReceiptStatus): MessageStatus[] {
  return earlier[receipt];
}
