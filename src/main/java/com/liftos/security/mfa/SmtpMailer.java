package com.liftos.security.mfa;

import com.liftos.security.config.Config;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * SMTP through Angus Mail. With {@code SMTP_STARTTLS} the connection must upgrade to TLS before anything is sent
 * ({@code mail.smtp.starttls.required}), so credentials and codes never cross in the clear; every network step
 * has a 10-second timeout so a dead server cannot hold a request thread.
 */
final class SmtpMailer implements Mailer {
    private final Session session;
    private final Config.Smtp smtp;

    SmtpMailer(Config.Smtp smtp) {
        this.smtp = smtp;
        Properties p = new Properties();
        p.put("mail.smtp.host", smtp.host().orElseThrow());
        p.put("mail.smtp.port", Integer.toString(smtp.port()));
        p.put("mail.smtp.auth", Boolean.toString(smtp.username().isPresent()));
        p.put("mail.smtp.starttls.enable", Boolean.toString(smtp.startTls()));
        p.put("mail.smtp.starttls.required", Boolean.toString(smtp.startTls()));
        p.put("mail.smtp.ssl.checkserveridentity", "true");
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        p.put("mail.smtp.writetimeout", "10000");
        this.session = Session.getInstance(p);
    }

    @Override
    public void send(String to, String subject, String body) {
        try {
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress(smtp.from()));
            m.setRecipients(Message.RecipientType.TO, InternetAddress.parse(to, true));
            m.setSubject(subject, StandardCharsets.UTF_8.name());
            m.setText(body, StandardCharsets.UTF_8.name());
            m.setSentDate(new java.util.Date());
            if (smtp.username().isPresent()) {
                Transport.send(m, smtp.username().get(), new String(smtp.password().orElse(new char[0])));
            } else {
                Transport.send(m);
            }
        } catch (MessagingException e) {
            throw new DeliveryException("mail not accepted (" + e.getClass().getSimpleName() + ")", null);
        }
    }
}
