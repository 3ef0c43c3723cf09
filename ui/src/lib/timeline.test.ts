import { describe, expect, it } from 'vitest';
import { timelineDetail } from './timeline';

describe('timelineDetail', () => {
  it("shows a message sent over SMTP with the mail server's Message-ID and reply", () => {
    const sent = { kind: 'message_sent', message: 'acknowledgement', channel: 'email', body: 'Hi Ana' };
    expect(timelineDetail(sent, null, (id) => id)).not.toContain('mail server');
    const emailed = { ...sent, email: { message_id: '<0190@acme.example>', server_reply: '250 2.0.0 Ok: queued as 4F2A1' } };
    expect(timelineDetail(emailed, null, (id) => id)).toContain(
      'sent through the mail server as <0190@acme.example> (250 2.0.0 Ok: queued as 4F2A1)',
    );
  });
});
