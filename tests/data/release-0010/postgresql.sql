--
-- PostgreSQL database dump
--

\restrict DCSRDwCWq0ZRoDTcMHNSaQWe0b5TbzE2FwqULA7JlQv1pTXcf7moKVUV1E5NVMv

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: bookings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bookings (
    code character varying(16) NOT NULL,
    type character varying(1) NOT NULL,
    person_key character varying(64) NOT NULL,
    slot_start timestamp without time zone NOT NULL,
    slot_end timestamp without time zone NOT NULL,
    state character varying(12) NOT NULL,
    ticket_id character varying(24)
);


--
-- Name: catalog_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_state (
    id integer NOT NULL,
    version integer DEFAULT 0 NOT NULL
);


--
-- Name: catalog_state_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.catalog_state_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: catalog_state_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.catalog_state_id_seq OWNED BY public.catalog_state.id;


--
-- Name: central_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.central_keys (
    name character varying(40) NOT NULL,
    fingerprint character varying(64) NOT NULL,
    recorded_at timestamp without time zone NOT NULL
);


--
-- Name: certificate_prints; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.certificate_prints (
    id integer NOT NULL,
    kiosk_id character varying(36) NOT NULL,
    key character varying(64) NOT NULL,
    certificate_id character varying(16) NOT NULL,
    kind character varying(40) NOT NULL,
    copies integer NOT NULL,
    pages integer NOT NULL,
    outcome character varying(12) NOT NULL,
    reason character varying(200) NOT NULL,
    attempt integer NOT NULL,
    at timestamp without time zone NOT NULL,
    received_at timestamp without time zone NOT NULL
);


--
-- Name: certificate_prints_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.certificate_prints_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: certificate_prints_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.certificate_prints_id_seq OWNED BY public.certificate_prints.id;


--
-- Name: certificates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.certificates (
    id character varying(16) NOT NULL,
    kind character varying(40) NOT NULL,
    issuer character varying(100) NOT NULL,
    issued_at timestamp without time zone NOT NULL,
    expires_at date NOT NULL,
    content text NOT NULL,
    signature character varying(100) NOT NULL,
    key_id character varying(16) NOT NULL,
    check_code character varying(14) NOT NULL,
    kiosk_id character varying(36) NOT NULL,
    request_id character varying(64) NOT NULL,
    person_key character varying(64) NOT NULL,
    revoked_at timestamp without time zone,
    revoked_reason character varying(200),
    content_purged_at timestamp without time zone
);


--
-- Name: citizen_presences; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.citizen_presences (
    id integer NOT NULL,
    token_hash character varying(64) NOT NULL,
    kiosk_id character varying(36) NOT NULL,
    person_key character varying(64) NOT NULL,
    province character varying(2) NOT NULL,
    presented_at timestamp without time zone NOT NULL,
    expires_at timestamp without time zone NOT NULL
);


--
-- Name: citizen_presences_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.citizen_presences_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: citizen_presences_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.citizen_presences_id_seq OWNED BY public.citizen_presences.id;


--
-- Name: counter_states; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.counter_states (
    number integer NOT NULL,
    open boolean DEFAULT true NOT NULL,
    paused boolean DEFAULT false NOT NULL,
    ticket_id character varying(24),
    staff character varying(40)
);


--
-- Name: counter_states_number_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.counter_states_number_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: counter_states_number_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.counter_states_number_seq OWNED BY public.counter_states.number;


--
-- Name: departments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.departments (
    code character varying(18) NOT NULL,
    name character varying(60) NOT NULL,
    body text NOT NULL,
    version integer NOT NULL
);


--
-- Name: heartbeats; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.heartbeats (
    id integer NOT NULL,
    kiosk_id character varying(36) NOT NULL,
    received_at timestamp without time zone NOT NULL,
    sent_at timestamp without time zone NOT NULL,
    version character varying(40) NOT NULL,
    uptime_s double precision NOT NULL,
    devices json NOT NULL
);


--
-- Name: heartbeats_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.heartbeats_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: heartbeats_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.heartbeats_id_seq OWNED BY public.heartbeats.id;


--
-- Name: kiosk_faults; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.kiosk_faults (
    id integer NOT NULL,
    kiosk_id character varying(36) NOT NULL,
    key character varying(64) NOT NULL,
    device character varying(40) NOT NULL,
    reason character varying(40) NOT NULL,
    detail character varying(300) NOT NULL,
    at timestamp without time zone NOT NULL,
    received_at timestamp without time zone NOT NULL
);


--
-- Name: kiosk_faults_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.kiosk_faults_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: kiosk_faults_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.kiosk_faults_id_seq OWNED BY public.kiosk_faults.id;


--
-- Name: kiosk_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.kiosk_settings (
    id integer NOT NULL,
    version integer NOT NULL,
    body json NOT NULL,
    updated_at timestamp without time zone NOT NULL
);


--
-- Name: kiosk_settings_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.kiosk_settings_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: kiosk_settings_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.kiosk_settings_id_seq OWNED BY public.kiosk_settings.id;


--
-- Name: kiosks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.kiosks (
    id character varying(36) NOT NULL,
    name character varying(80) NOT NULL,
    created_at timestamp without time zone NOT NULL,
    enrollment_code_hash character varying(64),
    enrollment_expires_at timestamp without time zone,
    enrolled_at timestamp without time zone,
    secret_generation integer DEFAULT 0 NOT NULL,
    revoked_at timestamp without time zone,
    last_seen_at timestamp without time zone,
    version character varying(40),
    uptime_s double precision,
    devices json,
    health json,
    maintenance boolean DEFAULT false NOT NULL,
    suspended_at timestamp without time zone,
    suspended_reason character varying(200)
);


--
-- Name: login_throttle; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.login_throttle (
    source character varying(64) NOT NULL,
    failures integer NOT NULL,
    last_at timestamp without time zone NOT NULL,
    blocked_until timestamp without time zone
);


--
-- Name: matters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.matters (
    code character varying(24) NOT NULL,
    name character varying(100) NOT NULL,
    department character varying(60) NOT NULL,
    body text NOT NULL,
    version integer NOT NULL,
    removed boolean DEFAULT false NOT NULL
);


--
-- Name: number_counters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.number_counters (
    service_day date NOT NULL,
    type character varying(1) NOT NULL,
    last_number integer NOT NULL
);


--
-- Name: number_leases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.number_leases (
    id integer NOT NULL,
    kiosk_id character varying(36) NOT NULL,
    service_day date NOT NULL,
    type character varying(1) NOT NULL,
    first_number integer NOT NULL,
    last_number integer NOT NULL,
    leased_at timestamp without time zone NOT NULL
);


--
-- Name: number_leases_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.number_leases_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: number_leases_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.number_leases_id_seq OWNED BY public.number_leases.id;


--
-- Name: queue_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.queue_events (
    id integer NOT NULL,
    at timestamp without time zone NOT NULL,
    kind character varying(20) NOT NULL,
    ticket_id character varying(24),
    payload text NOT NULL
);


--
-- Name: queue_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.queue_events_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: queue_events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.queue_events_id_seq OWNED BY public.queue_events.id;


--
-- Name: ratings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ratings (
    id integer NOT NULL,
    case_number character varying(24) NOT NULL,
    kiosk_id character varying(36) NOT NULL,
    key character varying(64) NOT NULL,
    level integer NOT NULL,
    level_code character varying(8) NOT NULL,
    subject character varying(12) NOT NULL,
    subject_ref character varying(64) NOT NULL,
    reasons character varying(200) NOT NULL,
    text text NOT NULL,
    channel character varying(40) NOT NULL,
    region character varying(12) NOT NULL,
    at timestamp without time zone NOT NULL,
    received_at timestamp without time zone NOT NULL,
    follow_up_due date,
    follow_up_state character varying(12),
    follow_up_note text
);


--
-- Name: ratings_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ratings_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ratings_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ratings_id_seq OWNED BY public.ratings.id;


--
-- Name: staff; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.staff (
    username character varying(40) NOT NULL,
    password_hash character varying(200) NOT NULL,
    role character varying(12) NOT NULL,
    disabled boolean DEFAULT false NOT NULL,
    created_at timestamp without time zone NOT NULL
);


--
-- Name: staff_audit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.staff_audit (
    id integer NOT NULL,
    at timestamp without time zone NOT NULL,
    username character varying(40) NOT NULL,
    action character varying(40) NOT NULL,
    target character varying(80) NOT NULL,
    detail character varying(300) DEFAULT ''::character varying NOT NULL
);


--
-- Name: staff_audit_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.staff_audit_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: staff_audit_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.staff_audit_id_seq OWNED BY public.staff_audit.id;


--
-- Name: staff_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.staff_sessions (
    token_hash character varying(64) NOT NULL,
    username character varying(40) NOT NULL,
    counter integer,
    expires_at timestamp without time zone NOT NULL
);


--
-- Name: themes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.themes (
    id character varying(40) NOT NULL,
    body text NOT NULL,
    version integer NOT NULL,
    removed boolean DEFAULT false NOT NULL
);


--
-- Name: ticket_prints; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ticket_prints (
    id integer NOT NULL,
    kiosk_id character varying(36) NOT NULL,
    key character varying(64) NOT NULL,
    ticket_id character varying(24) NOT NULL,
    number character varying(8) NOT NULL,
    outcome character varying(12) NOT NULL,
    reason character varying(200) NOT NULL,
    attempt integer NOT NULL,
    at timestamp without time zone NOT NULL,
    received_at timestamp without time zone NOT NULL
);


--
-- Name: ticket_prints_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ticket_prints_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ticket_prints_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ticket_prints_id_seq OWNED BY public.ticket_prints.id;


--
-- Name: tickets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tickets (
    id character varying(24) NOT NULL,
    service_day date NOT NULL,
    type character varying(1) NOT NULL,
    number integer NOT NULL,
    display character varying(8) NOT NULL,
    ticket_class character varying(12) NOT NULL,
    state character varying(12) NOT NULL,
    order_rank integer NOT NULL,
    order_at timestamp without time zone NOT NULL,
    issued_at timestamp without time zone NOT NULL,
    kiosk_id character varying(36),
    request_id character varying(64),
    person_key character varying(64),
    priority_reason character varying(20),
    booking_code character varying(16),
    counter integer,
    called_at timestamp without time zone,
    finished_at timestamp without time zone,
    offline boolean DEFAULT false NOT NULL,
    kiosk_issued_at timestamp without time zone,
    received_at timestamp without time zone,
    issued_type character varying(1) NOT NULL
);


--
-- Name: used_nonces; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.used_nonces (
    id integer NOT NULL,
    kiosk_id character varying(36) NOT NULL,
    nonce character varying(64) NOT NULL,
    seen_at timestamp without time zone NOT NULL
);


--
-- Name: used_nonces_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.used_nonces_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: used_nonces_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.used_nonces_id_seq OWNED BY public.used_nonces.id;


--
-- Name: catalog_state id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_state ALTER COLUMN id SET DEFAULT nextval('public.catalog_state_id_seq'::regclass);


--
-- Name: certificate_prints id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.certificate_prints ALTER COLUMN id SET DEFAULT nextval('public.certificate_prints_id_seq'::regclass);


--
-- Name: citizen_presences id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.citizen_presences ALTER COLUMN id SET DEFAULT nextval('public.citizen_presences_id_seq'::regclass);


--
-- Name: counter_states number; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.counter_states ALTER COLUMN number SET DEFAULT nextval('public.counter_states_number_seq'::regclass);


--
-- Name: heartbeats id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.heartbeats ALTER COLUMN id SET DEFAULT nextval('public.heartbeats_id_seq'::regclass);


--
-- Name: kiosk_faults id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kiosk_faults ALTER COLUMN id SET DEFAULT nextval('public.kiosk_faults_id_seq'::regclass);


--
-- Name: kiosk_settings id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kiosk_settings ALTER COLUMN id SET DEFAULT nextval('public.kiosk_settings_id_seq'::regclass);


--
-- Name: number_leases id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.number_leases ALTER COLUMN id SET DEFAULT nextval('public.number_leases_id_seq'::regclass);


--
-- Name: queue_events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.queue_events ALTER COLUMN id SET DEFAULT nextval('public.queue_events_id_seq'::regclass);


--
-- Name: ratings id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ratings ALTER COLUMN id SET DEFAULT nextval('public.ratings_id_seq'::regclass);


--
-- Name: staff_audit id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.staff_audit ALTER COLUMN id SET DEFAULT nextval('public.staff_audit_id_seq'::regclass);


--
-- Name: ticket_prints id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ticket_prints ALTER COLUMN id SET DEFAULT nextval('public.ticket_prints_id_seq'::regclass);


--
-- Name: used_nonces id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.used_nonces ALTER COLUMN id SET DEFAULT nextval('public.used_nonces_id_seq'::regclass);


--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.alembic_version (version_num) FROM stdin;
0010
\.


--
-- Data for Name: bookings; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.bookings (code, type, person_key, slot_start, slot_end, state, ticket_id) FROM stdin;
2A8Z94F4	D	76cd8a5a8852526c12bede7b9186b8c62650ea4907ac048ecd69b6dd334af348	2026-12-02 23:19:16	2026-12-02 23:49:16	booked	\N
\.


--
-- Data for Name: catalog_state; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.catalog_state (id, version) FROM stdin;
\.


--
-- Data for Name: central_keys; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.central_keys (name, fingerprint, recorded_at) FROM stdin;
certificate-signing.key	3be9fef494e0c9bd440bb9e2bb6ebdfc	2026-12-01 23:19:15.576246
id_hash.key	bbbaa176b7bf48df157a357c2131e8e9	2026-12-01 23:19:15.578295
master.key	81987ec04013aacd6474e3e19693dcf9	2026-12-01 23:19:15.579135
\.


--
-- Data for Name: certificate_prints; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.certificate_prints (id, kiosk_id, key, certificate_id, kind, copies, pages, outcome, reason, attempt, at, received_at) FROM stdin;
1	34c429be-9103-461f-99ea-e99641d96b0c	6e187d1159bc449bacf5d71ff8b0ffbb	C7CAHG5GGSNXK6QS	social_insurance	1	1	printed		1	2026-12-01 23:19:16.271791	2026-12-01 23:19:16
\.


--
-- Data for Name: certificates; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.certificates (id, kind, issuer, issued_at, expires_at, content, signature, key_id, check_code, kiosk_id, request_id, person_key, revoked_at, revoked_reason, content_purged_at) FROM stdin;
C7CAHG5GGSNXK6QS	social_insurance	示例市社会保险事业管理中心	2026-12-01 23:19:16	2027-03-02	{"title":"社会保险参保缴费证明","subject_name":"张伟明","subject_id":"1101**********002X","fields":[{"label":"参保单位","value":"北京示例退休人员服务中心"},{"label":"首次参保年月","value":"2005-01"},{"label":"参保险种","value":"养老保险、医疗保险、失业保险、工伤保险"}],"table":{"columns":["缴费年月","缴费基数","养老(个人)","医疗(个人)","失业(个人)","状态"],"rows":[["2026-10","15600.00","1248.00","315.00","78.00","已缴"],["2026-09","15600.00","1248.00","315.00","78.00","已缴"],["2026-08","15600.00","1248.00","315.00","78.00","已缴"],["2026-07","15600.00","1248.00","315.00","78.00","已缴"],["2026-06","15600.00","1248.00","315.00","78.00","已缴"],["2026-05","15600.00","1248.00","315.00","78.00","已缴"],["2026-04","15600.00","1248.00","315.00","78.00","已缴"],["2026-03","15600.00","1248.00","315.00","78.00","已缴"],["2026-02","15600.00","1248.00","315.00","78.00","已缴"],["2026-01","15600.00","1248.00","315.00","78.00","已缴"],["2025-12","15600.00","1248.00","315.00","78.00","已缴"],["2025-11","15600.00","1248.00","315.00","78.00","已缴"]]},"statement":"兹证明张伟明在本市参加社会保险，近12个月缴费情况如上。"}	IqBG-5sB3wfYLb3o-tNHV9jQfxJm9pq_2Q4yNKD3ufnGe1f-_h5J4m4Yt0zdfmJ0iADI2AWpQICpFPG4NHkBBA	3be9fef494e0c9bd	4YT3-7ZWF-VSIR	34c429be-9103-461f-99ea-e99641d96b0c	d22afdf5597b4f01bc359f56a238a613	76cd8a5a8852526c12bede7b9186b8c62650ea4907ac048ecd69b6dd334af348	\N	\N	\N
\.


--
-- Data for Name: citizen_presences; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.citizen_presences (id, token_hash, kiosk_id, person_key, province, presented_at, expires_at) FROM stdin;
1	e849d6517fce09eed895f26c8c5a63d72641420ed86f219f16acfa86e2242c7b	34c429be-9103-461f-99ea-e99641d96b0c	76cd8a5a8852526c12bede7b9186b8c62650ea4907ac048ecd69b6dd334af348	11	2026-12-01 23:19:16.206262	2026-12-01 23:34:16.206262
\.


--
-- Data for Name: counter_states; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.counter_states (number, open, paused, ticket_id, staff) FROM stdin;
1	t	f	\N	carl
\.


--
-- Data for Name: departments; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.departments (code, name, body, version) FROM stdin;
\.


--
-- Data for Name: heartbeats; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.heartbeats (id, kiosk_id, received_at, sent_at, version, uptime_s, devices) FROM stdin;
\.


--
-- Data for Name: kiosk_faults; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.kiosk_faults (id, kiosk_id, key, device, reason, detail, at, received_at) FROM stdin;
\.


--
-- Data for Name: kiosk_settings; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.kiosk_settings (id, version, body, updated_at) FROM stdin;
\.


--
-- Data for Name: kiosks; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.kiosks (id, name, created_at, enrollment_code_hash, enrollment_expires_at, enrolled_at, secret_generation, revoked_at, last_seen_at, version, uptime_s, devices, health, maintenance, suspended_at, suspended_reason) FROM stdin;
34c429be-9103-461f-99ea-e99641d96b0c	hall-kiosk-1	2026-12-01 23:19:16.174498	\N	\N	2026-12-01 23:19:16.190513	0	\N	\N	test	\N	\N	\N	f	\N	\N
\.


--
-- Data for Name: login_throttle; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.login_throttle (source, failures, last_at, blocked_until) FROM stdin;
\.


--
-- Data for Name: matters; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.matters (code, name, department, body, version, removed) FROM stdin;
\.


--
-- Data for Name: number_counters; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.number_counters (service_day, type, last_number) FROM stdin;
2026-12-02	A	2
2026-12-02	B	1
2026-12-02	E	1
2026-12-02	C	1
\.


--
-- Data for Name: number_leases; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.number_leases (id, kiosk_id, service_day, type, first_number, last_number, leased_at) FROM stdin;
\.


--
-- Data for Name: queue_events; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.queue_events (id, at, kind, ticket_id, payload) FROM stdin;
1	2026-12-01 23:19:16.382111	call	AohWvhfQxnBw6McV	{"counter": 1, "counter_name": "1号窗口", "ticket_id": "AohWvhfQxnBw6McV", "number": "A001", "type": "A", "type_name": "综合业务", "announcement_zh": "请A001号到1号窗口办理", "announcement_en": "Number A001, please go to counter 1"}
2	2026-12-01 23:19:16.398144	finish	AohWvhfQxnBw6McV	{"counter": 1, "number": "A001"}
\.


--
-- Data for Name: ratings; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.ratings (id, case_number, kiosk_id, key, level, level_code, subject, subject_ref, reasons, text, channel, region, at, received_at, follow_up_due, follow_up_state, follow_up_note) FROM stdin;
1	20261202C6AC77DB	34c429be-9103-461f-99ea-e99641d96b0c	8f88b9efdaf248bd89227b6c45849fc9	1	1	ticket	A			政务大厅其他终端	110105	2026-12-01 23:19:16.271791	2026-12-01 23:19:16.443464	\N	\N	\N
2	20261202135CD566	34c429be-9103-461f-99ea-e99641d96b0c	60c06ad9df684fd291b891e9fa00f4ac	5	5	hall		slow	排队太久	政务大厅其他终端	110105	2026-12-01 23:19:16.271791	2026-12-01 23:19:16.452221	2026-12-12	open	\N
\.


--
-- Data for Name: staff; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.staff (username, password_hash, role, disabled, created_at) FROM stdin;
mona	scrypt$16384$8$1$vItW5U+4Q+HfwAARfx2kHA==$I3McmF1mueMyMsKVdXDdodLHknjUzNeJB3BgyI7QZ+o=	manager	f	2026-12-01 23:19:16.031532
carl	scrypt$16384$8$1$9ET6Qk2ZIaxohQ5SSPy6Lg==$LATEipx6w/wEyMw1TKNFPrMp0N/1diQclYGFG78hLWQ=	counter	f	2026-12-01 23:19:16.124621
\.


--
-- Data for Name: staff_audit; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.staff_audit (id, at, username, action, target, detail) FROM stdin;
\.


--
-- Data for Name: staff_sessions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.staff_sessions (token_hash, username, counter, expires_at) FROM stdin;
a2a459cc4023d6bb1105262b58b1939ef2ecda69cc2ef5cddfa442f6d2a79793	carl	1	2026-12-02 11:19:16.285322
\.


--
-- Data for Name: themes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.themes (id, body, version, removed) FROM stdin;
\.


--
-- Data for Name: ticket_prints; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.ticket_prints (id, kiosk_id, key, ticket_id, number, outcome, reason, attempt, at, received_at) FROM stdin;
1	34c429be-9103-461f-99ea-e99641d96b0c	2590956e081f435d8ed7bfc479e482ea	AohWvhfQxnBw6McV	A001	printed		1	2026-12-01 23:19:16.271791	2026-12-01 23:19:16.278685
\.


--
-- Data for Name: tickets; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.tickets (id, service_day, type, number, display, ticket_class, state, order_rank, order_at, issued_at, kiosk_id, request_id, person_key, priority_reason, booking_code, counter, called_at, finished_at, offline, kiosk_issued_at, received_at, issued_type) FROM stdin;
-klvXtgGxPajQ1S-	2026-12-02	A	2	A002	normal	waiting	1	2026-12-01 23:19:16.237269	2026-12-01 23:19:16.237269	34c429be-9103-461f-99ea-e99641d96b0c	f27617775df747e198e34c36210c3f93	\N	\N	\N	\N	\N	\N	f	\N	\N	A
Fc4koeFa4PWUHK0T	2026-12-02	B	1	B001	normal	waiting	1	2026-12-01 23:19:16.243748	2026-12-01 23:19:16.243748	34c429be-9103-461f-99ea-e99641d96b0c	08f5359fb78949acbabb1a706abd45f1	\N	\N	\N	\N	\N	\N	f	\N	\N	B
IQmv2CahEtN0Y_b2	2026-12-02	E	1	E001	normal	waiting	1	2026-12-01 23:19:16.249162	2026-12-01 23:19:16.249162	34c429be-9103-461f-99ea-e99641d96b0c	6c8117d35ffc400a9253f017d8cdfa44	\N	\N	\N	\N	\N	\N	f	\N	\N	E
bdbapBhIIH9m1eSo	2026-12-02	C	1	C001	normal	waiting	1	2026-12-01 23:19:16.254289	2026-12-01 23:19:16.254289	34c429be-9103-461f-99ea-e99641d96b0c	ee3958067762458c9b1dfae458a511ef	76cd8a5a8852526c12bede7b9186b8c62650ea4907ac048ecd69b6dd334af348	\N	\N	\N	\N	\N	f	\N	\N	C
AohWvhfQxnBw6McV	2026-12-02	A	1	A001	normal	done	1	2026-12-01 23:19:16.227526	2026-12-01 23:19:16.227526	34c429be-9103-461f-99ea-e99641d96b0c	b453d4751d194e38bdec08313d3ae93e	\N	\N	\N	1	2026-12-01 23:19:16.382111	2026-12-01 23:19:16.398144	f	\N	\N	A
\.


--
-- Data for Name: used_nonces; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.used_nonces (id, kiosk_id, nonce, seen_at) FROM stdin;
1	34c429be-9103-461f-99ea-e99641d96b0c	abf56936ca514ffc8536c67756076d7a	2026-12-01 23:19:16.203568
2	34c429be-9103-461f-99ea-e99641d96b0c	7f64225c7f92e155752862f32c4cd9cf	2026-12-01 23:19:16.227526
3	34c429be-9103-461f-99ea-e99641d96b0c	a00bca29063f2748f3e4e64b397f5ecd	2026-12-01 23:19:16.237269
4	34c429be-9103-461f-99ea-e99641d96b0c	fc28b66e522cbae796db9c0c348171d1	2026-12-01 23:19:16.243748
5	34c429be-9103-461f-99ea-e99641d96b0c	606b3108fd57a4791087c4fd821223f0	2026-12-01 23:19:16.249162
6	34c429be-9103-461f-99ea-e99641d96b0c	acf533fa399d4baa7a32031c95c177d9	2026-12-01 23:19:16.254289
7	34c429be-9103-461f-99ea-e99641d96b0c	25767b9b3dcd51632e24aca41291df30	2026-12-01 23:19:16.264455
8	34c429be-9103-461f-99ea-e99641d96b0c	ec1e3446c459e663cf7d35c98143f0f1	2026-12-01 23:19:16.275924
9	34c429be-9103-461f-99ea-e99641d96b0c	90a20cbdfd37092ce41292e98568563c	2026-12-01 23:19:16.407046
10	34c429be-9103-461f-99ea-e99641d96b0c	285b9a54154ef04761a8516e1edb1586	2026-12-01 23:19:16.426363
11	34c429be-9103-461f-99ea-e99641d96b0c	deea4db9622926bebf3b6143c3a1da84	2026-12-01 23:19:16.441786
12	34c429be-9103-461f-99ea-e99641d96b0c	6095ccd2a0b8f477ac06d2dc8261d7cc	2026-12-01 23:19:16.450807
\.


--
-- Name: catalog_state_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.catalog_state_id_seq', 1, false);


--
-- Name: certificate_prints_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.certificate_prints_id_seq', 1, true);


--
-- Name: citizen_presences_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.citizen_presences_id_seq', 1, true);


--
-- Name: counter_states_number_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.counter_states_number_seq', 1, false);


--
-- Name: heartbeats_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.heartbeats_id_seq', 1, false);


--
-- Name: kiosk_faults_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.kiosk_faults_id_seq', 1, false);


--
-- Name: kiosk_settings_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.kiosk_settings_id_seq', 1, false);


--
-- Name: number_leases_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.number_leases_id_seq', 1, false);


--
-- Name: queue_events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.queue_events_id_seq', 2, true);


--
-- Name: ratings_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ratings_id_seq', 2, true);


--
-- Name: staff_audit_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.staff_audit_id_seq', 1, false);


--
-- Name: ticket_prints_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ticket_prints_id_seq', 1, true);


--
-- Name: used_nonces_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.used_nonces_id_seq', 12, true);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: bookings bookings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bookings
    ADD CONSTRAINT bookings_pkey PRIMARY KEY (code);


--
-- Name: catalog_state catalog_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_state
    ADD CONSTRAINT catalog_state_pkey PRIMARY KEY (id);


--
-- Name: central_keys central_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.central_keys
    ADD CONSTRAINT central_keys_pkey PRIMARY KEY (name);


--
-- Name: certificate_prints certificate_prints_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.certificate_prints
    ADD CONSTRAINT certificate_prints_pkey PRIMARY KEY (id);


--
-- Name: certificates certificates_check_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.certificates
    ADD CONSTRAINT certificates_check_code_key UNIQUE (check_code);


--
-- Name: certificates certificates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.certificates
    ADD CONSTRAINT certificates_pkey PRIMARY KEY (id);


--
-- Name: citizen_presences citizen_presences_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.citizen_presences
    ADD CONSTRAINT citizen_presences_pkey PRIMARY KEY (id);


--
-- Name: citizen_presences citizen_presences_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.citizen_presences
    ADD CONSTRAINT citizen_presences_token_hash_key UNIQUE (token_hash);


--
-- Name: counter_states counter_states_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.counter_states
    ADD CONSTRAINT counter_states_pkey PRIMARY KEY (number);


--
-- Name: departments departments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.departments
    ADD CONSTRAINT departments_pkey PRIMARY KEY (code);


--
-- Name: heartbeats heartbeats_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.heartbeats
    ADD CONSTRAINT heartbeats_pkey PRIMARY KEY (id);


--
-- Name: kiosk_faults kiosk_faults_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kiosk_faults
    ADD CONSTRAINT kiosk_faults_pkey PRIMARY KEY (id);


--
-- Name: kiosk_settings kiosk_settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kiosk_settings
    ADD CONSTRAINT kiosk_settings_pkey PRIMARY KEY (id);


--
-- Name: kiosks kiosks_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kiosks
    ADD CONSTRAINT kiosks_name_key UNIQUE (name);


--
-- Name: kiosks kiosks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kiosks
    ADD CONSTRAINT kiosks_pkey PRIMARY KEY (id);


--
-- Name: login_throttle login_throttle_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.login_throttle
    ADD CONSTRAINT login_throttle_pkey PRIMARY KEY (source);


--
-- Name: matters matters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.matters
    ADD CONSTRAINT matters_pkey PRIMARY KEY (code);


--
-- Name: number_counters number_counters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.number_counters
    ADD CONSTRAINT number_counters_pkey PRIMARY KEY (service_day, type);


--
-- Name: number_leases number_leases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.number_leases
    ADD CONSTRAINT number_leases_pkey PRIMARY KEY (id);


--
-- Name: queue_events queue_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.queue_events
    ADD CONSTRAINT queue_events_pkey PRIMARY KEY (id);


--
-- Name: ratings ratings_case_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ratings
    ADD CONSTRAINT ratings_case_number_key UNIQUE (case_number);


--
-- Name: ratings ratings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ratings
    ADD CONSTRAINT ratings_pkey PRIMARY KEY (id);


--
-- Name: staff_audit staff_audit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.staff_audit
    ADD CONSTRAINT staff_audit_pkey PRIMARY KEY (id);


--
-- Name: staff staff_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.staff
    ADD CONSTRAINT staff_pkey PRIMARY KEY (username);


--
-- Name: staff_sessions staff_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.staff_sessions
    ADD CONSTRAINT staff_sessions_pkey PRIMARY KEY (token_hash);


--
-- Name: themes themes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.themes
    ADD CONSTRAINT themes_pkey PRIMARY KEY (id);


--
-- Name: ticket_prints ticket_prints_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ticket_prints
    ADD CONSTRAINT ticket_prints_pkey PRIMARY KEY (id);


--
-- Name: tickets tickets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tickets
    ADD CONSTRAINT tickets_pkey PRIMARY KEY (id);


--
-- Name: certificates uq_certificate_request; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.certificates
    ADD CONSTRAINT uq_certificate_request UNIQUE (kiosk_id, request_id);


--
-- Name: kiosk_faults uq_fault_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.kiosk_faults
    ADD CONSTRAINT uq_fault_key UNIQUE (kiosk_id, key);


--
-- Name: number_leases uq_lease_block; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.number_leases
    ADD CONSTRAINT uq_lease_block UNIQUE (service_day, type, first_number);


--
-- Name: certificate_prints uq_print_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.certificate_prints
    ADD CONSTRAINT uq_print_key UNIQUE (kiosk_id, key);


--
-- Name: ratings uq_rating_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ratings
    ADD CONSTRAINT uq_rating_key UNIQUE (kiosk_id, key);


--
-- Name: tickets uq_ticket_number; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tickets
    ADD CONSTRAINT uq_ticket_number UNIQUE (service_day, issued_type, number);


--
-- Name: ticket_prints uq_ticket_print_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ticket_prints
    ADD CONSTRAINT uq_ticket_print_key UNIQUE (kiosk_id, key);


--
-- Name: tickets uq_ticket_request; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tickets
    ADD CONSTRAINT uq_ticket_request UNIQUE (kiosk_id, request_id);


--
-- Name: used_nonces used_nonces_kiosk_id_nonce_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.used_nonces
    ADD CONSTRAINT used_nonces_kiosk_id_nonce_key UNIQUE (kiosk_id, nonce);


--
-- Name: used_nonces used_nonces_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.used_nonces
    ADD CONSTRAINT used_nonces_pkey PRIMARY KEY (id);


--
-- Name: ix_bookings_person_key; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_bookings_person_key ON public.bookings USING btree (person_key);


--
-- Name: ix_certificate_prints_certificate_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_certificate_prints_certificate_id ON public.certificate_prints USING btree (certificate_id);


--
-- Name: ix_departments_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_departments_version ON public.departments USING btree (version);


--
-- Name: ix_heartbeats_kiosk_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_heartbeats_kiosk_id ON public.heartbeats USING btree (kiosk_id);


--
-- Name: ix_heartbeats_received_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_heartbeats_received_at ON public.heartbeats USING btree (received_at);


--
-- Name: ix_kiosk_faults_kiosk_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_kiosk_faults_kiosk_id ON public.kiosk_faults USING btree (kiosk_id);


--
-- Name: ix_kiosks_enrollment_code_hash; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_kiosks_enrollment_code_hash ON public.kiosks USING btree (enrollment_code_hash);


--
-- Name: ix_matters_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_matters_name ON public.matters USING btree (name);


--
-- Name: ix_matters_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_matters_version ON public.matters USING btree (version);


--
-- Name: ix_number_leases_kiosk_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_number_leases_kiosk_id ON public.number_leases USING btree (kiosk_id);


--
-- Name: ix_presences_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_presences_at ON public.citizen_presences USING btree (presented_at);


--
-- Name: ix_presences_kiosk; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_presences_kiosk ON public.citizen_presences USING btree (kiosk_id, presented_at);


--
-- Name: ix_staff_audit_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_staff_audit_at ON public.staff_audit USING btree (at);


--
-- Name: ix_themes_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_themes_version ON public.themes USING btree (version);


--
-- Name: ix_ticket_prints_ticket_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ticket_prints_ticket_id ON public.ticket_prints USING btree (ticket_id);


--
-- Name: ix_tickets_person; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tickets_person ON public.tickets USING btree (person_key, service_day);


--
-- Name: ix_tickets_queue; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tickets_queue ON public.tickets USING btree (service_day, type, state, order_rank, order_at, number);


--
-- Name: ix_used_nonces_seen_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_used_nonces_seen_at ON public.used_nonces USING btree (seen_at);


--
-- Name: heartbeats heartbeats_kiosk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.heartbeats
    ADD CONSTRAINT heartbeats_kiosk_id_fkey FOREIGN KEY (kiosk_id) REFERENCES public.kiosks(id) ON DELETE CASCADE;


--
-- Name: used_nonces used_nonces_kiosk_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.used_nonces
    ADD CONSTRAINT used_nonces_kiosk_id_fkey FOREIGN KEY (kiosk_id) REFERENCES public.kiosks(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--

\unrestrict DCSRDwCWq0ZRoDTcMHNSaQWe0b5TbzE2FwqULA7JlQv1pTXcf7moKVUV1E5NVMv

