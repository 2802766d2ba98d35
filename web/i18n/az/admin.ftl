# İdarəetmə: istifadəçilər və təşkilatlar.

users-title = İstifadəçilər
user-new = Yeni istifadəçi
user-new-title = Yeni istifadəçi
user-edit-title = İstifadəçini redaktə et
back-to-users = İstifadəçilərə qayıt

organisations-title = Təşkilatlar
organisation-new = Yeni təşkilat
organisation-new-title = Yeni təşkilat
organisation-edit-title = Təşkilatı redaktə et
back-to-organisations = Təşkilatlara qayıt

org-kind-cert = CERT
org-kind-government = Dövlət qurumu
org-kind-cii_operator = Kritik infrastruktur operatoru
org-kind-private = Özəl şirkət
org-kind-law_enforcement = Hüquq-mühafizə orqanı
org-kind-partner_cert = Tərəfdaş CERT
org-kind-public = Vətəndaşlar

sector-none = Sektor yoxdur
sector-energy = Enerji
sector-transport = Nəqliyyat
sector-banking = Bank işi
sector-financial-market-infrastructure = Maliyyə bazarı infrastrukturu
sector-health = Səhiyyə
sector-drinking-water = İçməli su
sector-waste-water = Çirkab sular
sector-digital-infrastructure = Rəqəmsal infrastruktur
sector-ict-service-management = İKT xidmətlərinin idarə edilməsi (biznesdən biznesə)
sector-public-administration = Dövlət idarəçiliyi
sector-space = Kosmos
sector-postal-and-courier = Poçt və kuryer xidmətləri
sector-waste-management = Tullantıların idarə edilməsi
sector-chemicals = Kimya məhsulları
sector-food = Qida
sector-manufacturing = İstehsal
sector-digital-providers = Rəqəmsal xidmət təminatçıları
sector-research = Elmi tədqiqat
sector-education = Təhsil
sector-defence-and-national-security = Müdafiə, milli təhlükəsizlik və hüquq-mühafizə
sector-other = Digər / sektora aid deyil

nav-sla = SLA hədəfləri
sla-title = SLA hədəfləri
sla-intro = Hər ciddilik səviyyəsi üçün hadisənin bildirilməsindən qəbul edilməsinə, məhdudlaşdırılmasına və həllinə qədər dəqiqələr. Dəyişiklik açıq hadisələrin gözləyən son müddətlərinə tətbiq olunur; saat son müddətin 75 %-ində xəbərdarlıq edir və pozuntuları bildirir.
sla-ack-minutes = Qəbul etmə (dəqiqə)
sla-contain-minutes = Məhdudlaşdırma (dəqiqə)
sla-resolve-minutes = Həll etmə (dəqiqə)

field-nis2-entity = NIS2 subyekti
nis2-entity-essential = Əsas subyekt
nis2-entity-important = Vacib subyekt
nis2-entity-none = NIS2 subyekti deyil
